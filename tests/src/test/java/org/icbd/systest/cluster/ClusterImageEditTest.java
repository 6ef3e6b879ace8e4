package org.icbd.systest.cluster;

import static org.icbd.systest.cluster.ClusterLab.icbd;
import static org.icbd.systest.cluster.WorkstationClient.clean;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.systest.Tool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image edit in a cluster survives a failover: two nodes (real processes in network namespaces, each on
 * its own loop btrfs, a real ZooKeeper server, synchronous replication). A maintenance workstation boots
 * image lab's work copy ('icbd image edit') through its own target with its own CHAP and writes a marker
 * into it (FUA; the edit was started on the standby's CLI); the leader is killed with SIGKILL; the new leader serves the workstation the work copy with
 * the marker; the edit is ended on the old leader's CLI, rejoined as a standby; 'icbd image publish' on the
 * new leader makes lab@2 from the replicated work copy, and lab@2 reaches the standby, marker included.
 */
class ClusterImageEditTest {

    private static final String MAC = "52:54:00:00:00:0e";
    private static final int MARKER_AT = 64 << 10;
    private static final byte MARKER = (byte) 0xc7;

    @RegisterExtension
    final LoopBtrfsExtension diskA = new LoopBtrfsExtension(512L << 20);
    @RegisterExtension
    final LoopBtrfsExtension diskB = new LoopBtrfsExtension(512L << 20);
    /** Registered after the disks: keeps the node logs, and on failure the nodes' threads and state, in tests/target/cluster-runs. */
    @RegisterExtension
    final ClusterDiagnostics diagnostics = new ClusterDiagnostics(() -> this.cluster);

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

    /** The 4 KiB at the marker's offset of a version's image file in {@code dataRoot}. */
    private static byte[] versionBytes(Path dataRoot, int version) throws IOException {
        byte[] b = new byte[4096];
        try (RandomAccessFile f = new RandomAccessFile(dataRoot.resolve("images/lab/versions/" + version + "/disk.img").toFile(), "r")) {
            f.seek(MARKER_AT);
            f.readFully(b);
        }
        return b;
    }

    private static byte[] filled(byte value) {
        byte[] b = new byte[4096];
        Arrays.fill(b, value);
        return b;
    }

    @Test
    void anEditedWorkCopySurvivesAKillAndIsPublishedByTheNewLeader() throws Exception {
        Path rootA = diskA.fs().root();
        Path rootB = diskB.fs().root();
        ClusterLab.publishLab(rootA);
        ClusterLab.cloneWs01(rootA);
        ClusterNode a = cluster.node("a", 2, rootA, "3s", "mode: sync, interval: 30s", WorkstationClient.SETTINGS);
        ClusterNode b = cluster.node("b", 3, rootB, "3s", "mode: sync, interval: 30s", WorkstationClient.SETTINGS);
        Path dataA = rootA.resolve("data");
        Path dataB = rootB.resolve("data");
        NodeProcess pa = cluster.serve(a);
        ClusterLab.awaitHolder(a, 30);
        NodeProcess pb = cluster.serve(b);

        // the maintenance workstation, added on the leader and set to edit on the standby's CLI (which has no work copy of
        // its own), boots the work copy with its own CHAP
        icbd(a.ns(), "workstation", "add", "maint", "--data-root", dataA.toString(), "--mac", MAC, "--image", "lab");
        icbd(b.ns(), "image", "edit", "lab", "--workstation", "maint", "--data-root", dataB.toString());
        assertTrue(pa.awaitOutput("workstation maint served as", 30) && pa.awaitOutput("with image lab's work copy", 30), pa.output());
        assertTrue(pa.awaitOutput("standby b is in sync for lab@work", 90), pa.output());
        assertTrue(pa.awaitOutput("standby b is in sync for maint", 90), pa.output()); // else b may not take over
        WorkstationClient.Boot maint = client.boot(MAC);
        assertEquals(200, maint.status(), maint.body() + "\n" + pa.output());
        assertTrue(maint.iqn().endsWith(":maint"), maint.body());
        Tool.Result wrote = client.io(maint, "write -f -P 0xc7 " + MARKER_AT + " 4k", "read -P 0x5a 0 4k");
        assertTrue(clean(wrote, "wrote 4096/4096"), wrote::describe);

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
        assertTrue(Lab.holds(b.ns(), ClusterLab.VIP), "the new leader holds the VIP");
        assertEquals(maint.iqn(), again.iqn(), "the same target");
        assertEquals(maint.secret(), again.secret(), "the same CHAP secret");
        Tool.Result back = client.io(again, "read -P 0xc7 " + MARKER_AT + " 4k", "read -P 0x5a 0 4k");
        while (!back.ok() || !back.output().contains("read 4096/4096")) {
            assertTrue(System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(60), back::describe);
            Thread.sleep(200);
            back = client.io(again, "read -P 0xc7 " + MARKER_AT + " 4k", "read -P 0x5a 0 4k");
        }
        long readMs = (System.nanoTime() - killedAt) / 1_000_000;
        Tool.Result marker = back;
        assertTrue(clean(marker, "read 4096/4096"), () -> "the marker written into the work copy through the old leader:\n"
                + marker.describe() + "\n" + pb.output());
        assertTrue(pb.output().contains("clone lab@work promoted from checkpoint"), pb.output());

        // the old leader rejoins as a standby; the edit is ended on its CLI: the new leader serves maint its own disk again
        NodeProcess pa2 = cluster.serve(a);
        icbd(a.ns(), "image", "edit", "lab", "--done", "--data-root", dataA.toString());
        Tool.Result own = client.io(again, "read -P 0x5a " + MARKER_AT + " 4k");
        long doneBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!clean(own, "read 4096/4096")) {
            Tool.Result last = own;
            assertTrue(System.nanoTime() < doneBy, () -> "maint still boots the work copy after --done:\n" + last.describe() + "\n" + pb.output());
            Thread.sleep(500);
            own = client.io(again, "read -P 0x5a " + MARKER_AT + " 4k");
        }

        // published on the new leader (a standby refuses, naming it): lab@2 holds the marker, there and, once sent, on the standby
        Tool.Result onStandby = ClusterLab.icbdMayFail(a.ns(), "image", "publish", "lab", "--data-root", dataA.toString());
        assertTrue(!onStandby.ok() && onStandby.output().contains("node b leads cluster lab"), onStandby::describe);
        long publishAt = System.nanoTime();
        String published = icbd(b.ns(), "image", "publish", "lab", "--data-root", dataB.toString());
        long publishMs = (System.nanoTime() - publishAt) / 1_000_000;
        assertTrue(published.contains("lab@2"), published);
        assertTrue(Arrays.equals(filled(MARKER), versionBytes(dataB, 2)), "lab@2 on the new leader holds the marker");
        assertTrue(Arrays.equals(filled((byte) 0x5a), versionBytes(dataB, 1)), "lab@1 is unchanged");
        long sentAt = System.nanoTime();
        assertTrue(pb.awaitOutput("version lab@2 sent to a", 90), pb.output() + "\n" + pa2.output());
        long sentMs = (System.nanoTime() - sentAt) / 1_000_000;
        assertTrue(Arrays.equals(filled(MARKER), versionBytes(dataA, 2)), "lab@2 on the standby holds the marker");

        System.out.printf("image edit in a cluster: kill -9 of the leader -> the maintenance workstation's boot request answered"
                + " by the new leader after %d ms; the marker read back from the work copy after %d ms; publish on the new leader"
                + " took %d ms (CLI included); lab@2 on the standby %d ms later%n", bootMs, readMs, publishMs, sentMs);
    }
}
