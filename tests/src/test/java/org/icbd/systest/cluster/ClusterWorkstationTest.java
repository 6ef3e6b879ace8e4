package org.icbd.systest.cluster;

import static org.icbd.systest.cluster.ClusterLab.icbd;
import static org.icbd.systest.cluster.WorkstationClient.clean;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.icbd.systest.Tool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Workstations in a cluster: two nodes (real processes in network namespaces, each on its own loop
 * btrfs, a real ZooKeeper server) that serve the workstations of the cluster's catalog, which lives in
 * ZooKeeper. A workstation enrolled through the boot endpoint on the virtual IP writes through its own
 * target with its own CHAP credentials (qemu-io over libiscsi, from a client namespace); a workstation
 * added with the standby's CLI is served by the leader, and removed there is deleted by it; after a kill -9 of the leader the new leader
 * answers the same boot request with the same target and CHAP, and the disk holds what was written. An
 * image edit survives such a kill too, and the new leader publishes it.
 */
class ClusterWorkstationTest extends TwoNodeFixture {

    private static final String VIP = ClusterLab.VIP;
    private static final String MAC = "52:54:00:12:34:56";
    private static final String ENROLLED = "pc-525400123456";
    private static final String MAC2 = "52:54:00:00:00:02";
    private static final String MAINT_MAC = "52:54:00:00:00:0e";
    private static final int MARKER_AT = 64 << 10;
    private static final byte MARKER = (byte) 0xc7;
    private static final List<String> WORKSTATIONS = WorkstationClient.SETTINGS;

    private WorkstationClient client;
    /** The two nodes {@link #startBoth} starts, their data roots and processes. */
    private ClusterNode a;
    private ClusterNode b;
    private Path dataA;
    private Path dataB;
    private NodeProcess pa;
    private NodeProcess pb;

    @BeforeEach
    void workstationClient() {
        client = new WorkstationClient(cluster);
    }

    /**
     * Starts node a (its data root holds lab@1 and clone ws01) and, once it leads, node b, each serving the
     * cluster's workstations, replicated synchronously.
     */
    private void startBoth() throws Exception {
        Path rootA = diskA.fs().root();
        Path rootB = diskB.fs().root();
        ClusterLab.publishLab(rootA);
        ClusterLab.cloneWs01(rootA);
        a = cluster.node("a", 2, rootA, "3s", "mode: sync, interval: 30s", WORKSTATIONS);
        b = cluster.node("b", 3, rootB, "3s", "mode: sync, interval: 30s", WORKSTATIONS);
        dataA = rootA.resolve("data");
        dataB = rootB.resolve("data");
        pa = cluster.serve(a);
        ClusterLab.awaitHolder(a, 30);
        pb = cluster.serve(b);
    }

    /** The boot script for {@code mac}, asked again until the new leader answers; fails 60 s after {@code killedAt}. */
    private WorkstationClient.Boot awaitBoot(String mac, long killedAt) throws Exception {
        while (true) {
            WorkstationClient.Boot again = client.boot(mac);
            if (again.status() == 200) return again;
            assertTrue(System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(60), () -> "no boot answer within 60 s of the kill:\n"
                    + pb.output());
            Thread.sleep(100);
        }
    }

    /** {@code ops} through {@code boot}'s target until its LUN reads; fails 60 s after {@code killedAt}. */
    private Tool.Result awaitRead(WorkstationClient.Boot boot, long killedAt, String... ops) throws Exception {
        Tool.Result back = client.io(boot, ops);
        while (!back.ok() || !back.output().contains("read 4096/4096")) {
            assertTrue(System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(60), back::describe);
            Thread.sleep(200);
            back = client.io(boot, ops);
        }
        return back;
    }

    /** The table 'workstation list' printed (the JVM's warnings and log lines left out). */
    private static String table(String output) {
        int at = output.indexOf("WORKSTATION ");
        return at < 0 ? output : output.substring(at);
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
    void aWorkstationEnrolledOnTheLeaderBootsThroughTheNewLeaderAfterAKill() throws Exception {
        startBoth();
        String dataA = this.dataA.toString();
        String dataB = this.dataB.toString();
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
        WorkstationClient.Boot again = awaitBoot(MAC, killedAt);
        long bootMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertTrue(Lab.holds(b.ns(), VIP), "the new leader holds the VIP");
        assertEquals(first.iqn(), again.iqn(), "the same target");
        assertEquals(first.user(), again.user(), "the same CHAP user");
        assertEquals(first.secret(), again.secret(), "the same CHAP secret");
        Tool.Result marker = awaitRead(again, killedAt, "read -P 0xc7 64k 4k", "read -P 0x5a 0 4k");
        long readMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertTrue(clean(marker, "read 4096/4096"), () -> "the marker written through the old leader:\n" + marker.describe());
        Tool.Result stillGone = client.io(second, "read 0 4k");
        assertFalse(clean(stillGone, "read 4096/4096"), () -> "the removed workstation is served again: " + stillGone.describe());

        System.out.printf("workstations in a cluster: kill -9 of the leader -> the boot request at the VIP answered by the new leader"
                + " (same IQN and CHAP) after %d ms; the marker read back through it after %d ms%n", bootMs, readMs);
    }

    /**
     * An image edit survives a kill -9 of the leader. A maintenance workstation boots image lab's work copy
     * ('icbd image edit', started on the standby's CLI) through its own target with its own CHAP and writes a
     * marker into it (FUA); the leader is killed; the new leader serves the workstation the work copy with the
     * marker; the edit is ended on the old leader's CLI, rejoined as a standby; a standby refuses to publish,
     * naming the leader; 'icbd image publish' on the new leader makes lab@2 from the replicated work copy, and
     * lab@2 reaches the standby, marker included.
     */
    @Test
    void anEditedWorkCopySurvivesAKillAndIsPublishedByTheNewLeader() throws Exception {
        startBoth();

        // the maintenance workstation, added on the leader and set to edit on the standby's CLI (which has no work copy of
        // its own), boots the work copy with its own CHAP
        icbd(a.ns(), "workstation", "add", "maint", "--data-root", dataA.toString(), "--mac", MAINT_MAC, "--image", "lab");
        icbd(b.ns(), "image", "edit", "lab", "--workstation", "maint", "--data-root", dataB.toString());
        assertTrue(pa.awaitOutput("workstation maint served as", 30) && pa.awaitOutput("with image lab's work copy", 30), pa.output());
        assertTrue(pa.awaitOutput("standby b is in sync for lab@work", 90), pa.output());
        assertTrue(pa.awaitOutput("standby b is in sync for maint", 90), pa.output()); // else b may not take over
        WorkstationClient.Boot maint = client.boot(MAINT_MAC);
        assertEquals(200, maint.status(), maint.body() + "\n" + pa.output());
        assertTrue(maint.iqn().endsWith(":maint"), maint.body());
        Tool.Result wrote = client.io(maint, "write -f -P 0xc7 " + MARKER_AT + " 4k", "read -P 0x5a 0 4k");
        assertTrue(clean(wrote, "wrote 4096/4096"), wrote::describe);

        long killedAt = System.nanoTime();
        pa.kill();
        WorkstationClient.Boot again = awaitBoot(MAINT_MAC, killedAt);
        long bootMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertTrue(Lab.holds(b.ns(), ClusterLab.VIP), "the new leader holds the VIP");
        assertEquals(maint.iqn(), again.iqn(), "the same target");
        assertEquals(maint.secret(), again.secret(), "the same CHAP secret");
        Tool.Result marker = awaitRead(again, killedAt, "read -P 0xc7 " + MARKER_AT + " 4k", "read -P 0x5a 0 4k");
        long readMs = (System.nanoTime() - killedAt) / 1_000_000;
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
        // the work copy, no longer served, is still checkpointed in the rounds after
        int shipped = pb.output().indexOf("version lab@2 sent to a");
        long roundBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (pb.output().indexOf("checkpoint lab@work.", shipped) < 0) {
            assertTrue(System.nanoTime() < roundBy, () -> "no checkpoint of lab@work after the edit ended:\n" + pb.output());
            Thread.sleep(500);
        }
        assertFalse(pb.output().contains("replication round failed"), pb.output());

        System.out.printf("image edit in a cluster: kill -9 of the leader -> the maintenance workstation's boot request answered"
                + " by the new leader after %d ms; the marker read back from the work copy after %d ms; publish on the new leader"
                + " took %d ms (CLI included); lab@2 on the standby %d ms later%n", bootMs, readMs, publishMs, sentMs);
    }
}
