package org.icbd.systest.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.icbd.systest.IcbdExport;
import org.icbd.testsupport.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The libiscsi conformance suite (iscsi-test-cu, 230 tests) against {@code icbd export}: once
 * against a writable thin LUN with a second URL for the multipath family, once against a
 * read-only LUN. Reports land in tests/target/conformance/.
 */
class ConformanceTest {

    /** Tests that fail against every target because of a bug in the suite itself (libiscsi 1.19.0). */
    static final Map<String, String> SUITE_BUGS = Map.of(
            "ALL.iSCSITMF.LUNResetSimpleAsync",
            "libiscsi 1.19.0 asserts reconnect_succeeded right after queueing the TMF, before any callback can have"
                    + " run, so it fails against every target (tgtd too); the LUN reset itself completes with"
                    + " 'function complete' (see the test log). Fixed upstream by moving the assertion into the callback.",
            "ALL.GetLBAStatus.UnmapSingle",
            "with more than one logical block per physical block (we report 8 x 512 per 4 KiB), its second loop asks"
                    + " GET LBA STATUS for LBA i+1 and requires the first descriptor to start at i+LBPPB; SBC-4 5.8 says the"
                    + " first descriptor starts at the requested LBA, which is what icbd returns (the test passes only"
                    + " with LBPPB=1, where i+1 == i+LBPPB). Its first loop, which checks the same thing correctly, passes.");

    /** Families that make sense on a write-protected LUN; the write families are refused there by design. */
    static final Pattern READ_ONLY_FAMILIES = Pattern.compile(
            "^ALL\\.(ReadOnly|Read6|Read10|Read12|Read16|ReadCapacity10|ReadCapacity16|Inquiry|ModeSense6|"
                    + "TestUnitReady|ReportSupportedOpcodes|Prefetch10|Prefetch16|GetLBAStatus|NoMedia)\\.");

    static final String IQN = "iqn.2026-11.org.icbd:conformance";
    static final Path REPORTS = Path.of(System.getProperty("icbd.repo", ".."), "tests", "target", "conformance");

    @TempDir
    Path dir;

    @Test
    void writableThinLunPassesTheSuite() throws Exception {
        Requires.tool("iscsi-test-cu", "apt-get install libiscsi-bin");
        Path img = sparse(dir.resolve("thin.img"), 1L << 30);
        try (IcbdExport icbd = IcbdExport.start(dir, IQN, img.toString())) {
            String url = icbd.url(0);
            LibiscsiSuite suite = new LibiscsiSuite(REPORTS.resolve("writable.d"), 60);
            Map<String, CunitResult> results = suite.run(suite.list(Pattern.compile(".")), url, url);
            String report = LibiscsiSuite.report(results);
            Files.writeString(REPORTS.resolve("writable.txt"), report);
            System.out.println("conformance (writable, thin, multipath): " + LibiscsiSuite.countLine(results));

            Map<String, CunitResult> failures = new TreeMap<>();
            results.forEach((name, r) -> {
                boolean bad = r.status() != CunitResult.Status.PASS && r.status() != CunitResult.Status.SKIP;
                if (bad && !SUITE_BUGS.containsKey(name)) failures.put(name, r);
            });
            assertTrue(failures.isEmpty(), "failed:\n" + LibiscsiSuite.report(failures));
            long passed = results.values().stream().filter(r -> r.status() == CunitResult.Status.PASS).count();
            assertTrue(passed >= 200, "only " + passed + " passed (goal 200):\n" + report);
        }
    }

    @Test
    void readOnlyLunRefusesWritesAndPassesReadOnlyFamilies() throws Exception {
        Requires.tool("iscsi-test-cu", "apt-get install libiscsi-bin");
        Path img = sparse(dir.resolve("version.img"), 256L << 20);
        try (IcbdExport icbd = IcbdExport.start(dir, IQN, img + ",ro")) {
            LibiscsiSuite suite = new LibiscsiSuite(REPORTS.resolve("readonly.d"), 60);
            Map<String, CunitResult> results = suite.run(suite.list(READ_ONLY_FAMILIES), icbd.url(0), null);
            Files.writeString(REPORTS.resolve("readonly.txt"), LibiscsiSuite.report(results));
            System.out.println("conformance (read-only): " + LibiscsiSuite.countLine(results));
            assertEquals(CunitResult.Status.PASS, results.get("ALL.ReadOnly.ReadOnlySBC").status(),
                    "ReadOnlySBC: " + results.get("ALL.ReadOnly.ReadOnlySBC").note());
            Map<String, CunitResult> failures = new TreeMap<>();
            results.forEach((name, r) -> {
                if (r.status() != CunitResult.Status.PASS && r.status() != CunitResult.Status.SKIP) failures.put(name, r);
            });
            assertTrue(failures.isEmpty(), "failed:\n" + LibiscsiSuite.report(failures));
        }
    }

    static Path sparse(Path p, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }
}
