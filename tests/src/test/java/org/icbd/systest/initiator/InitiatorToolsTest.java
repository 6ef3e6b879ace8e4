package org.icbd.systest.initiator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.Tool;
import org.icbd.testsupport.Requires;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an administrator sees with libiscsi's tools against {@code icbd export}. */
class InitiatorToolsTest {

    static final String IQN = "iqn.2026-11.org.icbd:tools";
    static final long SIZE = 96L << 20;
    static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static Path image;
    static IcbdExport icbd;

    @BeforeAll
    static void start() throws Exception {
        Requires.tool("iscsi-inq", "apt-get install libiscsi-bin");
        image = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(SIZE);
        }
        icbd = IcbdExport.start(dir, IQN, image.toString());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (icbd != null) icbd.close();
    }

    private static String portal() {
        return "iscsi://127.0.0.1:" + icbd.port();
    }

    private static Tool.Result ok(String... cmd) throws Exception {
        Tool.Result r = Tool.run(LIMIT, cmd);
        assertTrue(r.ok(), r::describe);
        return r;
    }

    @Test
    void discoveryListsTheTargetAndItsLun() throws Exception {
        String out = ok("iscsi-ls", "-s", portal()).output();
        assertTrue(out.contains("Target:" + IQN + " Portal:127.0.0.1:" + icbd.port()), out);
        assertTrue(out.contains("Lun:0") && out.contains("DIRECT_ACCESS"), out);
    }

    @Test
    void readCapacityIsExactlyTheFile() throws Exception {
        String out = ok("iscsi-readcapacity16", icbd.url(0)).output();
        assertTrue(out.contains("Total size:" + SIZE), out);
        assertTrue(out.contains("RETURNED LOGICAL BLOCK ADDRESS:" + (SIZE / 512 - 1)), out);
        assertTrue(out.contains("LOGICAL BLOCK LENGTH IN BYTES:512"), out);
        assertTrue(out.contains("LBPME:1"), "a sparse image on a file system that punches holes is thin: " + out);
    }

    @Test
    void inquiryIdentityIsStableAcrossARestart() throws Exception {
        String standard = ok("iscsi-inq", icbd.url(0)).output();
        assertTrue(standard.contains("Peripheral Device Type:DIRECT_ACCESS"), standard);
        assertTrue(standard.contains("Removable:0"), standard);
        String pages = ok("iscsi-inq", "-e", "1", icbd.url(0)).output();
        for (String page : new String[]{"0x80", "0x83", "0xb0", "0xb1", "0xb2"}) {
            assertTrue(pages.contains("Page:" + page), "VPD page " + page + " listed: " + pages);
        }
        String serial = serial();
        String naa = designator("NAA");
        assertEquals(serial, serial(), "the serial does not change between logins");

        // the same file served by a new process is the same disk
        icbd.close();
        icbd = IcbdExport.start(dir, IQN, image.toString());
        assertEquals(serial, serial(), "same file, same serial after a restart");
        assertEquals(naa, designator("NAA"), "same file, same NAA after a restart");
    }

    private static String serial() throws Exception {
        String out = ok("iscsi-inq", "-e", "1", "-c", "128", icbd.url(0)).output();
        Matcher m = Pattern.compile("Unit Serial Number:\\[(\\w+)]").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }

    /** The bytes of one designator of VPD 0x83, as iscsi-inq prints them. */
    private static String designator(String type) throws Exception {
        String out = ok("iscsi-inq", "-e", "1", "-c", "131", icbd.url(0)).output();
        int at = out.indexOf("Designator Type:(");
        for (; at >= 0; at = out.indexOf("Designator Type:(", at + 1)) {
            int line = out.indexOf('\n', at);
            if (out.substring(at, line).contains(type)) {
                int d = out.indexOf("Designator:[", line);
                return out.substring(d, out.indexOf('\n', d));
            }
        }
        throw new AssertionError("no " + type + " designator in:\n" + out);
    }

    @Test
    void tenLoginsInARow() throws Exception {
        for (int i = 0; i < 10; i++) {
            ok("iscsi-inq", icbd.url(0));
        }
        assertTrue(icbd.alive());
    }

    @Test
    void aBogusTargetNameIsRefusedAtLogin() throws Exception {
        Tool.Result r = Tool.run(LIMIT, "iscsi-inq", portal() + "/iqn.2026-11.org.icbd:no-such-target/0");
        assertFalse(r.ok(), r::describe);
        assertTrue(r.output().contains("Target not found"), r::describe);
    }

    @Test
    void aLunThatDoesNotExistIsNotSupported() throws Exception {
        Tool.Result r = Tool.run(LIMIT, "iscsi-inq", icbd.url(7));
        assertFalse(r.ok(), r::describe);
        assertTrue(r.output().contains("LOGICAL_UNIT_NOT_SUPPORTED"), r::describe);
    }

    @Test
    void twoSessionsDoIoAtTheSameTime() throws Exception {
        Requires.tool("qemu-io", "apt-get install qemu-utils qemu-block-extra");
        // two initiators (different initiator names), each writing and verifying its own half
        Thread[] t = new Thread[2];
        Tool.Result[] results = new Tool.Result[2];
        for (int i = 0; i < 2; i++) {
            int n = i;
            t[i] = Thread.ofVirtual().start(() -> {
                try {
                    long base = n * (SIZE / 2);
                    int pattern = 0x51 + n;
                    List<String> ops = new ArrayList<>();
                    for (int k = 0; k < 32; k++) ops.add("write -P " + pattern + " " + (base + k * (1L << 20)) + " 1M");
                    for (int k = 0; k < 32; k++) ops.add("read -P " + pattern + " " + (base + k * (1L << 20)) + " 1M");
                    results[n] = QemuIo.run(icbd, 0, "iqn.2026-11.org.icbd:initiator-" + n, ops);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
        }
        for (Thread thread : t) thread.join();
        for (Tool.Result r : results) {
            assertTrue(QemuIo.clean(r), r::describe);
        }
    }
}
