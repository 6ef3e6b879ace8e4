package org.icbd.systest.cluster;

import static org.icbd.systest.cluster.ClusterLab.icbd;
import static org.icbd.systest.cluster.WorkstationClient.clean;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.systest.Tool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workstations in a cluster: two nodes (real processes in network namespaces, each on its own loop
 * btrfs, a real ZooKeeper server) that serve the workstations of the cluster's catalog, which lives in
 * ZooKeeper. A workstation enrolled through the boot endpoint on the virtual IP writes through its own
 * target with its own CHAP credentials (qemu-io over libiscsi, from a client namespace); a workstation
 * added with the standby's CLI is served by the leader, and removed there is deleted by it; after a kill -9 of the leader the new leader
 * answers the same boot request with the same target and CHAP, and the disk holds what was written.
 */
class ClusterWorkstationTest {

    private static final String VIP = ClusterLab.VIP;
    private static final String MAC = "52:54:00:12:34:56";
    private static final String ENROLLED = "pc-525400123456";
    private static final String MAC2 = "52:54:00:00:00:02";
    private static final List<String> WORKSTATIONS = WorkstationClient.SETTINGS;

    @RegisterExtension
    final LoopBtrfsExtension diskA = new LoopBtrfsExtension(512L << 20);
    @RegisterExtension
    final LoopBtrfsExtension diskB = new LoopBtrfsExtension(512L << 20);

    @TempDir
    Path tmp;

    private ClusterLab cluster;
    private WorkstationClient client;

    @BeforeEach
    void network() throws Exception {
        cluster = ClusterLab.open(tmp);
        client = new WorkstationClient(cluster);
    }

    @AfterEach
    void teardown() throws Exception {
        if (cluster != null) cluster.close();
    }

    /** The table 'workstation list' printed (the JVM's warnings and log lines left out). */
    private static String table(String output) {
        int at = output.indexOf("WORKSTATION ");
        return at < 0 ? output : output.substring(at);
    }

    @Test
    void aWorkstationEnrolledOnTheLeaderBootsThroughTheNewLeaderAfterAKill() throws Exception {
        Path rootA = diskA.fs().root();
        Path rootB = diskB.fs().root();
        ClusterLab.publishLab(rootA);
        ClusterLab.cloneWs01(rootA);
        ClusterNode a = cluster.node("a", 2, rootA, "3s", "mode: sync, interval: 30s", WORKSTATIONS);
        ClusterNode b = cluster.node("b", 3, rootB, "3s", "mode: sync, interval: 30s", WORKSTATIONS);
        String dataA = rootA.resolve("data").toString();
        String dataB = rootB.resolve("data").toString();
        NodeProcess pa = cluster.serve(a);
        ClusterLab.awaitHolder(a, 30);
        NodeProcess pb = cluster.serve(b);
        assertTrue(pa.awaitOutput("standby b is in sync for ws01", 90), pa.output());

        // enrolled by its first boot request, at the VIP; it writes a marker through its own target with its own CHAP
        WorkstationClient.Boot first = client.boot(MAC);
        assertEquals(200, first.status(), first.body() + "\n" + pa.output());
        assertEquals(ENROLLED, first.user());
        assertTrue(first.iqn().endsWith(":" + ENROLLED), first.body());
        assertTrue(first.body().contains("sanboot iscsi:" + VIP + "::3260:0:"), first.body());
        Tool.Result wrote = client.io(first, "write -P 0xc7 64k 4k", "read -P 0x5a 0 4k");
        assertTrue(clean(wrote, "wrote 4096/4096"), wrote::describe);
        WorkstationClient.Boot wrong = new WorkstationClient.Boot(200, "", first.user(), "WrongSecret12345", first.iqn());
        assertFalse(clean(client.io(wrong, "read 0 4k"), "read 4096/4096"), "a wrong CHAP secret opens nothing");

        // added with the standby's CLI: the leader makes its disk and serves it; every CLI sees one catalog
        String added = icbd(b.ns(), "workstation", "add", "ws02", "--data-root", dataB, "--mac", MAC2, "--image", "lab");
        assertTrue(added.contains("was made by the cluster's leader"), added);
        assertTrue(pa.awaitOutput("made workstation ws02's disk", 10), pa.output());
        WorkstationClient.Boot second = client.boot(MAC2);
        assertEquals(200, second.status(), second.body());
        assertTrue(second.iqn().endsWith(":ws02"), second.body());
        Tool.Result read2 = client.io(second, "read -P 0x5a 0 4k");
        assertTrue(clean(read2, "read 4096/4096"), read2::describe);
        String listA = table(icbd(a.ns(), "workstation", "list", "--data-root", dataA));
        assertEquals(listA, table(icbd(b.ns(), "workstation", "list", "--data-root", dataB)), "both nodes' CLIs see one catalog");
        assertTrue(listA.contains(ENROLLED) && listA.contains("ws02"), listA);
        assertTrue(icbd(b.ns(), "workstation", "show", ENROLLED, "--secret", "--data-root", dataB).contains("secret " + first.secret()));
        Tool.Result reset = ClusterLab.icbdMayFail(b.ns(), "workstation", "reset", "ws02", "--data-root", dataB);
        assertFalse(reset.ok(), reset::describe);
        assertTrue(reset.output().contains("node a leads cluster lab") && reset.output().contains("run this on a"), reset::describe);

        // removed with the standby's CLI: the leader ends its sessions and deletes the disk it served
        assertTrue(icbd(b.ns(), "workstation", "remove", "ws02", "--data-root", dataB).contains("ws02 removed"));
        assertTrue(pa.awaitOutput("deleted the disk of ws02", 15), pa.output());
        Tool.Result gone = client.io(second, "read 0 4k");
        assertFalse(clean(gone, "read 4096/4096"), () -> "the removed workstation's target still opens: " + gone.describe());
        assertTrue(pa.awaitOutput("standby b is in sync for " + ENROLLED, 60), pa.output());

        long killedAt = System.nanoTime();
        pa.kill();
        WorkstationClient.Boot again;
        while (true) {
            again = client.boot(MAC);
            if (again.status() == 200) break;
            assertTrue(System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(60), () -> "no boot answer within 60 s of the kill:\n"
                    + pb.output());
            Thread.sleep(100);
        }
        long bootMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertTrue(Lab.holds(b.ns(), VIP), "the new leader holds the VIP");
        assertEquals(first.iqn(), again.iqn(), "the same target");
        assertEquals(first.user(), again.user(), "the same CHAP user");
        assertEquals(first.secret(), again.secret(), "the same CHAP secret");
        Tool.Result back = client.io(again, "read -P 0xc7 64k 4k", "read -P 0x5a 0 4k");
        while (!back.ok() || !back.output().contains("read 4096/4096")) {
            assertTrue(System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(60), back::describe);
            Thread.sleep(200);
            back = client.io(again, "read -P 0xc7 64k 4k", "read -P 0x5a 0 4k");
        }
        Tool.Result marker = back;
        long readMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertTrue(clean(marker, "read 4096/4096"), () -> "the marker written through the old leader:\n" + marker.describe());
        Tool.Result stillGone = client.io(second, "read 0 4k");
        assertFalse(clean(stillGone, "read 4096/4096"), () -> "the removed workstation is served again: " + stillGone.describe());

        System.out.printf("workstations in a cluster: kill -9 of the leader -> the boot request at the VIP answered by the new leader"
                + " (same IQN and CHAP) after %d ms; the marker read back through it after %d ms%n", bootMs, readMs);
    }
}
