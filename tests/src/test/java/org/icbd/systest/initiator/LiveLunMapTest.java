package org.icbd.systest.initiator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.systest.GoldenImage;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.IscsiSession;
import org.icbd.systest.Tool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code icbd lun map} and {@code lun unmap} (and the admin API's) applied by a running {@code icbd serve}:
 * two initiators stay logged in to the target throughout; each gets the unit attention REPORTED LUNS DATA
 * HAS CHANGED (0x06/0x3F/0x0E) on its next command, once; REPORT LUNS then lists the new LUN, which reads
 * its volume's bytes (a writable clone takes writes); after the unmap the LUN is gone (LOGICAL UNIT NOT
 * SUPPORTED) and the unit attention comes again.
 */
class LiveLunMapTest {

    private static final int MIB = 1 << 20;
    private static final String IQN = "iqn.2026-11.org.icbd:live";
    private static final byte OTHER = (byte) 0xC3;
    private static final Pattern ADMIN = Pattern.compile("admin API on http://(\\S+?):(\\d+)/api/v1");

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(1L << 30);

    @TempDir
    Path dir;

    private Path root;

    @BeforeEach
    void imagesAndClones() throws Exception {
        root = btrfs.fs().root().resolve("icbd");
        icbd("image", "import", GoldenImage.write(dir.resolve("gold.img"), 4 * MIB, 32L * MIB).toString(), "--name", "gold");
        icbd("image", "publish", "gold");
        byte[] other = new byte[MIB];
        Arrays.fill(other, OTHER);
        Path otherImage = Files.write(dir.resolve("other.img"), other);
        icbd("image", "import", otherImage.toString(), "--name", "other");
        icbd("image", "publish", "other");
        icbd("clone", "create", "--image", "gold@1", "--name", "ws01");
        icbd("clone", "create", "--image", "gold@1", "--name", "scratch");
    }

    @Test
    void mapAndUnmapReachLoggedInInitiators() throws Exception {
        try (IcbdExport icbd = IcbdExport.serve(dir, IQN, config());
             IscsiSession a = IscsiSession.login(portal(icbd), "iqn.2026-11.org.icbd:a", IQN);
             IscsiSession b = IscsiSession.login(portal(icbd), "iqn.2026-11.org.icbd:b", IQN)) {
            for (IscsiSession s : List.of(a, b)) {
                settle(s);
                assertEquals(List.of(0L), reportLuns(s));
            }

            long t0 = System.nanoTime();
            icbd("lun", "map", "--target", IQN, "--version", "other@1", "--lun", "1");
            System.out.println("lun map applied by the running node, CLI included: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            for (IscsiSession s : List.of(a, b)) {
                assertReportedLunsChanged(s.command(0, testUnitReady(), new byte[0], 0, false));
                assertEquals("GOOD", s.command(0, testUnitReady(), new byte[0], 0, false).describe(), "once, not again");
                assertEquals(List.of(0L, 1L), reportLuns(s));
                byte[] read = read(s, 1, 0, 8);
                byte[] expected = new byte[4096];
                Arrays.fill(expected, OTHER);
                assertTrue(Arrays.equals(expected, read), "LUN 1 reads the version it maps");
            }

            // a writable clone mapped live takes writes; REPORT LUNS clears the condition without reporting it
            icbd("lun", "map", "--target", IQN, "--clone", "scratch", "--lun", "2");
            assertEquals(List.of(0L, 1L, 2L), reportLuns(a));
            assertEquals("GOOD", a.command(0, testUnitReady(), new byte[0], 0, false).describe());
            byte[] block = new byte[512];
            Arrays.fill(block, (byte) 0xEE);
            assertEquals("GOOD", a.command(2, new byte[] {0x2A, 0, 0, 0, 0, 9, 0, 0, 1, 0}, block, 512, false).describe());
            assertTrue(Arrays.equals(block, read(a, 2, 9, 1)), "the clone LUN keeps what was written");

            // unmap through the admin API: the same for whoever makes the change
            adminDelete(icbd, "/api/v1/luns/" + IQN + "/1");
            assertReportedLunsChanged(a.command(2, testUnitReady(), new byte[0], 0, false));
            assertEquals("GOOD", a.command(0, testUnitReady(), new byte[0], 0, false).describe(), "once, not again");
            IscsiSession.Result gone = a.command(1, read10(0, 1), new byte[0], 512, true);
            assertEquals(0x05, gone.senseKey(), gone.describe());
            assertEquals(0x25, gone.asc(), "LOGICAL UNIT NOT SUPPORTED: " + gone.describe());
            assertEquals(List.of(0L, 2L), reportLuns(a));

            icbd("lun", "unmap", "--target", IQN, "--lun", "2");
            for (IscsiSession s : List.of(a, b)) {
                // b heard of neither the clone's map nor the version's unmap yet: one condition for all three changes
                assertReportedLunsChanged(s.command(0, testUnitReady(), new byte[0], 0, false));
                assertEquals("GOOD", s.command(0, testUnitReady(), new byte[0], 0, false).describe());
                assertEquals(List.of(0L), reportLuns(s));
                assertEquals(0x5A, read(s, 0, 0, 1)[0] & 0xFF, "LUN 0 served throughout");
            }
        }
        // what the clone LUN took stays in the clone after it was unmapped and closed
        try (IcbdExport again = IcbdExport.serve(dir, IQN, config());
             IscsiSession c = IscsiSession.login(portal(again), "iqn.2026-11.org.icbd:c", IQN)) {
            settle(c);
            icbd("lun", "map", "--target", IQN, "--clone", "scratch", "--lun", "2");
            assertReportedLunsChanged(c.command(0, testUnitReady(), new byte[0], 0, false));
            assertEquals(0xEE, read(c, 2, 9, 1)[0] & 0xFF);
        }
    }

    /**
     * A target whose only LUN (a catalog map) is unmapped while two initiators are logged in: on LUN 0, gone,
     * INQUIRY says no logical unit is there (peripheral qualifier 011b), REPORT LUNS lists none, and the first
     * other command reports REPORTED LUNS DATA HAS CHANGED before LOGICAL UNIT NOT SUPPORTED; a LUN mapped
     * again is announced the same way and serves.
     */
    @Test
    void aTargetLeftWithoutLunsStillTellsItsInitiators() throws Exception {
        icbd("lun", "map", "--target", IQN, "--version", "other@1", "--lun", "0");
        Path config = Files.writeString(dir.resolve("maps-only.yaml"), """
                data-root: %s
                portals: [127.0.0.1:0]
                metrics: off
                targets:
                  - iqn: %s
                    open: true
                """.formatted(root, IQN));
        try (IcbdExport icbd = IcbdExport.serve(dir, IQN, config);
             IscsiSession a = IscsiSession.login(portal(icbd), "iqn.2026-11.org.icbd:a", IQN);
             IscsiSession b = IscsiSession.login(portal(icbd), "iqn.2026-11.org.icbd:b", IQN)) {
            for (IscsiSession s : List.of(a, b)) settle(s);

            icbd("lun", "unmap", "--target", IQN, "--lun", "0");
            IscsiSession.Result inquiry = a.command(0, new byte[] {0x12, 0, 0, 0, 96, 0}, new byte[0], 96, true);
            assertEquals("GOOD", inquiry.describe());
            assertEquals(0x7F, inquiry.data()[0] & 0xFF, "peripheral qualifier 011b: no logical unit at LUN 0");
            assertReportedLunsChanged(a.command(0, testUnitReady(), new byte[0], 0, false));
            IscsiSession.Result none = a.command(0, testUnitReady(), new byte[0], 0, false);
            assertEquals(0x05, none.senseKey(), none.describe());
            assertEquals(0x25, none.asc(), "then LOGICAL UNIT NOT SUPPORTED: " + none.describe());
            assertEquals(List.of(), reportLuns(a));
            assertEquals(List.of(), reportLuns(b), "REPORT LUNS answers on the missing LUN 0 (and clears the change)");
            assertEquals(0x25, b.command(0, testUnitReady(), new byte[0], 0, false).asc(), "nothing left to report");

            icbd("lun", "map", "--target", IQN, "--clone", "scratch", "--lun", "0");
            for (IscsiSession s : List.of(a, b)) {
                assertReportedLunsChanged(s.command(0, testUnitReady(), new byte[0], 0, false));
                assertEquals("GOOD", s.command(0, testUnitReady(), new byte[0], 0, false).describe(), "once, not again");
                assertEquals(List.of(0L), reportLuns(s));
                assertEquals(0x5A, read(s, 0, 0, 1)[0] & 0xFF, "LUN 0 is the clone now");
            }
        }
    }

    @Test
    void aLunNumberTheConfigurationUsesIsRefusedByTheNodeWithAWarning() throws Exception {
        try (IcbdExport icbd = IcbdExport.serve(dir, IQN, config());
             IscsiSession a = IscsiSession.login(portal(icbd), "iqn.2026-11.org.icbd:a", IQN)) {
            settle(a);
            Tool.Result r = icbd("lun", "map", "--target", IQN, "--version", "other@1", "--lun", "0");
            assertTrue(r.output().contains("warning: the running node: LUN 0 of " + IQN) && r.output().contains("is served already"),
                    r::describe);
            assertEquals("GOOD", a.command(0, testUnitReady(), new byte[0], 0, false).describe(), "nothing changed for the initiator");
            assertEquals(0x5A, read(a, 0, 0, 1)[0] & 0xFF, "LUN 0 is still the configuration's clone");
        }
    }

    /** Takes the POWER ON RESET a new session has pending. */
    private static void settle(IscsiSession s) throws IOException {
        IscsiSession.Result r = s.command(0, testUnitReady(), new byte[0], 0, false);
        assertEquals(0x29, r.asc(), "a new session's first command: POWER ON RESET: " + r.describe());
        assertEquals("GOOD", s.command(0, testUnitReady(), new byte[0], 0, false).describe());
    }

    private static void assertReportedLunsChanged(IscsiSession.Result r) {
        assertEquals(0x02, r.status(), r.describe());
        assertEquals(0x06, r.senseKey(), r.describe());
        assertEquals(0x3F, r.asc(), r.describe());
        assertEquals(0x0E, r.ascq(), "REPORTED LUNS DATA HAS CHANGED: " + r.describe());
    }

    private static List<Long> reportLuns(IscsiSession s) throws IOException {
        IscsiSession.Result r = s.command(0, new byte[] {(byte) 0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, new byte[0], 256, true);
        assertEquals("GOOD", r.describe());
        ByteBuffer b = ByteBuffer.wrap(r.data());
        int n = b.getInt(0) / 8;
        List<Long> luns = new ArrayList<>();
        for (int i = 0; i < n; i++) luns.add((long) (b.getShort(8 + 8 * i) & 0x3FFF));
        return luns;
    }

    private static byte[] read(IscsiSession s, long lun, int lba, int blocks) throws IOException {
        IscsiSession.Result r = s.command(lun, read10(lba, blocks), new byte[0], blocks * 512, true);
        assertEquals("GOOD", r.describe(), "READ of LUN " + lun);
        return r.data();
    }

    private static byte[] testUnitReady() {
        return new byte[6];
    }

    private static byte[] read10(int lba, int blocks) {
        return new byte[] {0x28, 0, (byte) (lba >>> 24), (byte) (lba >>> 16), (byte) (lba >>> 8), (byte) lba, 0,
                (byte) (blocks >>> 8), (byte) blocks, 0};
    }

    private static InetSocketAddress portal(IcbdExport icbd) {
        return new InetSocketAddress("127.0.0.1", icbd.port());
    }

    private void adminDelete(IcbdExport icbd, String path) throws Exception {
        Matcher m = ADMIN.matcher(Files.readString(icbd.log()));
        assertTrue(m.find(), "the admin API's address is in the log");
        String token = Files.readString(root.resolve("admin.token")).trim();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + m.group(1) + ":" + m.group(2) + path))
                .header("Authorization", "Bearer " + token).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
    }

    private Path config() throws Exception {
        return Files.writeString(dir.resolve("icbd.yaml"), """
                data-root: %s
                portals: [127.0.0.1:0]
                metrics: off
                admin: {listen: 127.0.0.1:0}
                targets:
                  - iqn: %s
                    open: true
                    luns:
                      - clone: ws01
                """.formatted(root, IQN));
    }

    private Tool.Result icbd(String... args) throws Exception {
        return IcbdExport.cliOk(root, args);
    }
}
