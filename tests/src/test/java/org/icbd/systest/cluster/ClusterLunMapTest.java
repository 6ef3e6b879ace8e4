package org.icbd.systest.cluster;

import static org.icbd.systest.cluster.ClusterLab.icbd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.icbd.systest.IcbdExport;
import org.junit.jupiter.api.Test;

/**
 * 'icbd lun map' and 'lun unmap' in a running cluster: two nodes (real processes in network namespaces,
 * each on its own loop btrfs, a real ZooKeeper server) serve target ws01 on the virtual IP, and an
 * initiator in a client namespace stays logged in to it ({@link IscsiProbe}, which shows every unit
 * attention). A clone the STANDBY's CLI maps onto that target is served by the leader at once: the
 * session gets REPORTED LUNS DATA HAS CHANGED, REPORT LUNS lists the new LUN, and writes to it are
 * replicated (sync mode), so after a kill -9 of the leader the new leader serves that LUN with the bytes
 * written. An unmap removes a LUN with the same unit attention, on the leader and on the new leader. A
 * clone mapped just before the leader dies, never checkpointed (async mode), keeps nothing else from serving.
 */
class ClusterLunMapTest extends TwoNodeFixture {

    private static final String VIP = ClusterLab.VIP;
    private static final String WS01 = ClusterLab.WS01;
    private static final String UA = "CHECK_CONDITION key=0x6 asc=0x3f ascq=0x0e";


    /** An {@link IscsiProbe} in the client namespace, logged in to {@code iqn} at the VIP. */
    private final class Probe {
        private final Process process;
        private final Writer in;
        private final BufferedReader out;
        private final Path errors;

        Probe(String iqn, String initiator) throws Exception {
            errors = tmp.resolve("probe-" + initiator.substring(initiator.lastIndexOf(':') + 1) + ".err");
            Path classes = Path.of(IscsiProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            process = cluster.track(new ProcessBuilder("ip", "netns", "exec", cluster.clientNs(), IcbdExport.javaBinary(), "-cp",
                    classes.toString(), IscsiProbe.class.getName(), VIP + ":3260", iqn, initiator)
                    .redirectError(errors.toFile()).start());
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertEquals("logged in", first, () -> "the probe did not log in" + stderr());
        }

        /** One command's answer line (see {@link IscsiProbe}). */
        String ask(String command) throws IOException {
            in.write(command + "\n");
            in.flush();
            String answer = out.readLine();
            if (answer == null) throw new AssertionError("the probe ended on '" + command + "'" + stderr());
            return answer;
        }

        /** Takes the POWER ON RESET a new session has pending. */
        void settle() throws IOException {
            String first = ask("tur 0");
            assertTrue(first.contains("asc=0x29"), "a new session's first command: POWER ON RESET: " + first);
            assertEquals("GOOD", ask("tur 0"));
        }

        private String stderr() {
            try {
                return ":\n" + Files.readString(errors);
            } catch (IOException e) {
                return "";
            }
        }

        void close() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }
    }

    /** Nodes a and b, each on its own loop btrfs (a's with lab@1 and clone ws01), replicated with {@code replication}; a leads. */
    private record Pair(ClusterNode a, ClusterNode b, NodeProcess pa, NodeProcess pb, String dataA, String dataB) {
    }

    private Pair start(String replication) throws Exception {
        Path rootA = diskA.fs().root();
        Path rootB = diskB.fs().root();
        ClusterLab.publishLab(rootA);
        ClusterLab.cloneWs01(rootA);
        ClusterNode a = cluster.node("a", 2, rootA, "3s", replication);
        ClusterNode b = cluster.node("b", 3, rootB, "3s", replication);
        NodeProcess pa = cluster.serve(a);
        ClusterLab.awaitHolder(a, 30);
        NodeProcess pb = cluster.serve(b);
        return new Pair(a, b, pa, pb, rootA.resolve("data").toString(), rootB.resolve("data").toString());
    }

    /** A probe logged in to {@code iqn} once {@code b} leads and serves (within 90 s of {@code killedAt}). */
    private Probe loginAfter(long killedAt, ClusterNode b, NodeProcess pb, String iqn, String initiator) throws Exception {
        while (true) {
            assertTrue(System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(90), () -> "no login at the VIP within 90 s of the kill:\n"
                    + pb.output());
            if (Lab.holds(b.ns(), VIP) && pb.output().contains("serving cluster lab")) {
                try {
                    return new Probe(iqn, initiator);
                } catch (AssertionError | IOException e) {
                    Thread.sleep(200);
                }
            } else {
                Thread.sleep(100);
            }
        }
    }

    @Test
    void aCloneMappedFromTheStandbyIsServedAtOnceAndSurvivesAKillOfTheLeader() throws Exception {
        Pair p = start("mode: sync, interval: 30s");
        ClusterNode a = p.a();
        ClusterNode b = p.b();
        NodeProcess pa = p.pa();
        NodeProcess pb = p.pb();
        String dataA = p.dataA();
        String dataB = p.dataB();
        assertTrue(pa.awaitOutput("standby b is in sync for ws01", 90), pa.output());

        Probe probe = new Probe(WS01, "iqn.2026-11.org.icbd:probe-1");
        probe.settle();
        assertEquals("GOOD luns=0", probe.ask("luns"));

        // disks are made where they are served (the leader); the map is the catalog's alone, made from the standby
        icbd(a.ns(), "clone", "create", "--data-root", dataA, "--image", "lab@1", "--name", "scratch");
        icbd(a.ns(), "clone", "create", "--data-root", dataA, "--image", "lab@1", "--name", "brief");
        long t0 = System.nanoTime();
        icbd(b.ns(), "lun", "map", "--target", WS01, "--clone", "scratch", "--lun", "1", "--data-root", dataB);
        long mapMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(pa.awaitOutput("LUN 1 of " + WS01 + " (clone scratch) served from now on", 30), pa.output());
        assertTrue(pa.output().contains("clone scratch (LUN 1 of " + WS01 + ") is replicated synchronously"), pa.output());
        assertEquals(UA, probe.ask("tur 0"), "REPORTED LUNS DATA HAS CHANGED");
        assertEquals("GOOD", probe.ask("tur 0"), "once, not again");
        assertEquals("GOOD luns=0,1", probe.ask("luns"));
        assertEquals("GOOD byte=0x5a", probe.ask("read 1 9"), "the new LUN is the clone of lab@1");
        assertEquals("GOOD", probe.ask("write 1 9 0xe1"));

        // a second clone mapped and unmapped from the standby: the LUN goes, with the unit attention again
        icbd(b.ns(), "lun", "map", "--target", WS01, "--clone", "brief", "--lun", "2", "--data-root", dataB);
        assertTrue(pa.awaitOutput("LUN 2 of " + WS01 + " (clone brief) served from now on", 30), pa.output());
        assertEquals(UA, probe.ask("tur 0"));
        assertEquals("GOOD luns=0,1,2", probe.ask("luns"));
        icbd(b.ns(), "lun", "unmap", "--target", WS01, "--lun", "2", "--data-root", dataB);
        assertTrue(pa.awaitOutput("LUN 2 of " + WS01 + " (clone brief) no longer served", 30), pa.output());
        assertTrue(pa.awaitOutput("clone brief is no longer replicated", 10), pa.output());
        assertEquals(UA, probe.ask("tur 0"));
        assertEquals("GOOD luns=0,1", probe.ask("luns"));
        String gone = probe.ask("read 2 0");
        assertTrue(gone.contains("key=0x5 asc=0x25"), "LOGICAL UNIT NOT SUPPORTED: " + gone);

        // once the standby holds the clone (its first checkpoint), each write reaches its write log before it is acknowledged
        assertTrue(pa.awaitOutput("standby b is in sync for scratch", 60), pa.output());
        assertEquals("GOOD", probe.ask("write 1 10 0xe2"));
        probe.close();

        long killedAt = System.nanoTime();
        pa.kill();
        Probe after = loginAfter(killedAt, b, pb, WS01, "iqn.2026-11.org.icbd:probe-2");
        long servedMs = (System.nanoTime() - killedAt) / 1_000_000;
        after.settle();
        assertEquals("GOOD luns=0,1", after.ask("luns"), "the new leader serves the catalog's maps: scratch, not the unmapped brief");
        String lun1 = after.ask("tur 1");
        assertTrue(lun1.contains("asc=0x29"), "LUN 1's own POWER ON RESET in a new session: " + lun1);
        assertEquals("GOOD byte=0xe1", after.ask("read 1 9"), "written through the old leader right after the map");
        assertEquals("GOOD byte=0xe2", after.ask("read 1 10"), "written through the write log");
        assertEquals("GOOD byte=0x5a", after.ask("read 1 11"));

        // the new leader applies maps live as well (its own CLI this time: no other node runs)
        icbd(b.ns(), "lun", "unmap", "--target", WS01, "--lun", "1", "--data-root", dataB);
        assertTrue(pb.awaitOutput("LUN 1 of " + WS01 + " (clone scratch) no longer served", 30), pb.output());
        assertEquals(UA, after.ask("tur 0"));
        assertEquals("GOOD luns=0", after.ask("luns"));
        after.close();

        System.out.printf("LUN maps in a cluster: 'lun map' on the standby (its CLI's JVM included) took %d ms; after a kill -9"
                + " of the leader the new leader took a login with the mapped LUN after %d ms%n", mapMs, servedMs);
    }

    /**
     * Asynchronous replication, checkpoints a minute apart: the leader dies right after a clone was mapped,
     * before any checkpoint of it left. The new leader cannot have that clone; it serves everything else
     * and says why that LUN is not served (opening it with the rest would keep it from leading at all).
     */
    @Test
    void aNewLeaderWithoutAMappedClonesCheckpointServesTheRest() throws Exception {
        Pair p = start("mode: async, interval: 60s");
        assertTrue(p.pb().awaitOutput("received checkpoint ws01/", 150), p.pa().output()); // the round after b came up
        icbd(p.a().ns(), "clone", "create", "--data-root", p.dataA(), "--image", "lab@1", "--name", "late");
        icbd(p.b().ns(), "lun", "map", "--target", ClusterLab.LAB, "--clone", "late", "--lun", "1", "--data-root", p.dataB());
        assertTrue(p.pa().awaitOutput("LUN 1 of " + ClusterLab.LAB + " (clone late) served from now on", 30), p.pa().output());
        p.pa().kill();
        assertTrue(p.pa().output().lines().noneMatch(l -> l.contains("checkpoint late.")), "the test's premise: no checkpoint of late left");

        Probe after = loginAfter(System.nanoTime(), p.b(), p.pb(), ClusterLab.LAB, "iqn.2026-11.org.icbd:probe-3");
        after.settle();
        assertEquals("GOOD luns=0", after.ask("luns"), "the version is served; the clone that never reached b is not");
        assertEquals("GOOD byte=0x5a", after.ask("read 0 0"));
        assertTrue(p.pb().output().contains("LUN 1 of " + ClusterLab.LAB + " (mapped by the catalog) is not here"), p.pb().output());
        assertTrue(p.pb().awaitOutput("LUN 1 of " + ClusterLab.LAB.toLowerCase() + " (clone late) is not served", 10), p.pb().output());
        after.close();
    }
}
