package org.icbd.systest.cluster;

import static org.icbd.systest.cluster.ClusterLab.count;
import static org.icbd.systest.cluster.ClusterLab.icbd;
import static org.icbd.systest.cluster.ClusterLab.metric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.Tool;
import org.junit.jupiter.api.Test;

/**
 * Two icbd nodes and a ZooKeeper server, each a real process in its own network namespace on one
 * bridge, and an initiator (qemu-io over libiscsi) in a fourth: the cluster serves a published version
 * on the virtual IP 10.77.0.100 from whichever node leads.
 */
class ClusterFailoverTest extends TwoNodeFixture {

    private static final String VIP = ClusterLab.VIP;
    private static final String IQN = ClusterLab.LAB;
    private static final String URL = "iscsi://" + VIP + "/" + IQN + "/0";
    private static final int IMAGE_BYTES = ClusterLab.IMAGE_BYTES;
    private static final String WS01 = ClusterLab.WS01;
    private static final String WS01_URL = "iscsi://" + VIP + "/" + WS01 + "/0";
    /** Sync mode with checkpoints far apart: the writes reach the standby through the write log. */
    private static final String SYNC = "mode: sync, interval: 30s";

    /** What the last read attempt printed, for failure messages. */
    private String lastAttempt = "";

    private static final String HOLDER = "iqn.2026-11.org.example:cluster-node-1";
    private static final String OTHER = "iqn.2026-11.org.example:cluster-node-2";

    /** Node {@code name} at 10.77.0.{@code n}: its own data root with image lab, version lab@1 (all 0x5a). */
    private ClusterNode node(String name, int n) throws Exception {
        return node(name, n, Files.createDirectories(tmp.resolve(name)), null);
    }

    /**
     * @param root        where the node keeps its data root, configuration and log (a btrfs for replication)
     * @param replication null, or also serve clone ws01 read-write as target {@link #WS01}, replicated with
     *                    these settings (YAML keys besides listen and secret-file, e.g. {@code "mode: async, interval: 2s"})
     */
    private ClusterNode node(String name, int n, Path root, String replication) throws Exception {
        return node(name, n, root, replication, true);
    }

    /** @param withVersion import and publish lab@1 here; without, the node gets it from the leader by replication */
    private ClusterNode node(String name, int n, Path root, String replication, boolean withVersion) throws Exception {
        if (withVersion) ClusterLab.publishLab(root);
        return cluster.node(name, n, root, null, replication);
    }

    /** {@code node} with clone ws01 replicated asynchronously by its LUN's own setting. */
    private static ClusterNode asyncClone(ClusterNode node) throws Exception {
        String yaml = Files.readString(node.config());
        assertTrue(yaml.contains("{clone: ws01}"), yaml);
        Files.writeString(node.config(), yaml.replace("{clone: ws01}", "{clone: ws01, replication: async}"));
        return node;
    }

    /** {@code node} with clone ws01 of lab@1 in its data root (a node that has none gets it from the leader). */
    private static ClusterNode withClone(ClusterNode node) throws Exception {
        ClusterLab.cloneWs01(node.root());
        return node;
    }

    private Tool.Result qemuIo(String url, String... commands) throws Exception {
        return qemuIo(Duration.ofSeconds(30), false, url, commands);
    }

    /** qemu-io from the client namespace, each command in turn; {@code readOnly} opens the LUN read-only. */
    private Tool.Result qemuIo(Duration limit, boolean readOnly, String url, String... commands) throws Exception {
        return cluster.qemuIo(limit, readOnly, url, commands);
    }

    /** The epoch {@code n} serves in (its metric): 0 while it stands by. */
    private static double servingEpoch(ClusterNode n) throws Exception {
        return metric(n.ns(), "icbd_cluster_serving_epoch");
    }

    /** Checkpoints of {@code kind} (full, incremental) {@code standby} acknowledged to {@code leader} while it led (its metric). */
    private static double sent(ClusterNode leader, String standby, String kind) throws Exception {
        return metric(leader.ns(), "icbd_replication_checkpoints_sent_total{kind=\"" + kind + "\",standby=\"" + standby + "\"}", 0.0);
    }

    /** Waits until {@code standby} has acknowledged {@code n} more checkpoints of {@code kind} (null: any) to {@code leader}. */
    private static void awaitCheckpoints(ClusterNode leader, String standby, String kind, int n, int seconds) throws Exception {
        double had = checkpoints(leader, standby, kind);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (checkpoints(leader, standby, kind) < had + n) {
            if (System.nanoTime() > end) {
                throw new AssertionError(standby + " acknowledged no " + n + " more checkpoints to " + leader.name() + " in " + seconds + " s");
            }
            Thread.sleep(200);
        }
    }

    private static double checkpoints(ClusterNode leader, String standby, String kind) throws Exception {
        return kind != null ? sent(leader, standby, kind) : sent(leader, standby, "full") + sent(leader, standby, "incremental");
    }

    /** Waits until {@code replication status}, asked from {@code from}, matches {@code regex}; returns it. */
    private static String awaitStatus(ClusterNode from, String regex, int seconds) throws Exception {
        Pattern p = Pattern.compile(regex);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        String status = "";
        while (System.nanoTime() < end) {
            status = ClusterLab.replicationStatus(from);
            if (p.matcher(status).find()) return status;
            Thread.sleep(500);
        }
        throw new AssertionError("replication status never matched " + regex + " in " + seconds + " s:\n" + status);
    }

    /** {@code leader} leads and no standby is in sync for ws01 (what it acknowledges is on it only). */
    private static void awaitAlone(ClusterNode leader) throws Exception {
        awaitStatus(leader, "synchronous write log of " + leader.name() + " \\(epoch \\d+\\):\\s+ws01\\s+in sync: NONE", 30);
    }

    /** Starts the first node and waits until it leads and serves on the VIP. */
    private NodeProcess startLeader(ClusterNode a) throws Exception {
        NodeProcess pa = cluster.serve(a);
        awaitHolder(a.ns(), 30);
        assertTrue(untilReadable(20) >= 0, () -> "the leader serves the version on the VIP; last try: " + lastAttempt);
        return pa;
    }

    /** One read through the VIP from the client namespace, checked against the version's bytes. */
    private Tool.Result readThroughVip() throws Exception {
        // short: while no node holds the VIP a connect hangs, and the next try should start soon
        return qemuIo(Duration.ofSeconds(1), true, URL, "read -P 0x5a 0 64k", "read -P 0x5a " + (IMAGE_BYTES - 65536) + " 64k");
    }

    private static boolean readOk(Tool.Result r) {
        return r.ok() && r.output().contains("read 65536/65536 bytes") && !r.output().contains("Pattern verification failed");
    }

    /** Milliseconds from now until a read through the VIP succeeds, or -1 after {@code seconds}. */
    private long untilReadable(int seconds) throws Exception {
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < seconds * 1_000_000_000L) {
            Tool.Result r = readThroughVip();
            lastAttempt = r.describe();
            if (readOk(r)) return (System.nanoTime() - t0) / 1_000_000;
            Thread.sleep(100);
        }
        return -1;
    }

    private static void awaitHolder(String ns, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            if (Lab.holds(ns, VIP)) return;
            Thread.sleep(50);
        }
        throw new AssertionError(ns + " did not take the virtual IP within " + seconds + " s");
    }

    @Test
    void theStandbyTakesOverWhenTheLeaderDiesAndTheOldLeaderRejoinsAsStandby() throws Exception {
        ClusterNode a = node("a", 2);
        ClusterNode b = node("b", 3);
        NodeProcess pa = startLeader(a);
        NodeProcess pb = cluster.serve(b);
        assertFalse(Lab.holds(b.ns(), VIP), "the standby does not hold the VIP");

        // the leader's machine dies: the process is killed and its network goes with it
        long t0 = System.nanoTime();
        pa.kill();
        Lab.ip("-n", a.ns(), "link", "set", "eth0", "down");
        long readable = untilReadable(30);
        long failoverMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(readable >= 0, "no read succeeded on the VIP within 30 s of the kill; last try: " + lastAttempt + "\nb's log:\n" + pb.output());
        assertTrue(Lab.holds(b.ns(), VIP));
        System.out.printf("failover: kill -9 of the leader to the first good read on the VIP: %d ms%n", failoverMs);
        assertTrue(servingEpoch(b) > 0, "b serves in an epoch of its own");

        // the old leader comes back: it must stand by, not take the VIP
        assertFalse(Lab.holds(a.ns(), VIP), "the dead process's guard removed the VIP");
        Lab.ip("-n", a.ns(), "link", "set", "eth0", "up");
        NodeProcess pa2 = cluster.serve(a);
        assertFalse(Lab.holds(a.ns(), VIP), "a rejoining node drops a VIP left over from its crash");
        Thread.sleep(3000);
        assertFalse(Lab.holds(a.ns(), VIP), "the rejoined node stands by");
        assertEquals(0.0, servingEpoch(a), "the rejoined node serves in no epoch");
        assertTrue(untilReadable(20) >= 0, () -> "the leader keeps serving while the old one rejoins; last try: " + lastAttempt);

        // a cluster of initiators reserves the LUN (write exclusive: the version stays readable for everyone)
        assertEquals(List.of("register GOOD", "reserve GOOD"), reservations(HOLDER, "register:0xaaaa", "reserve:0xaaaa:1"));
        assertEquals(List.of("register GOOD", "write RESERVATION_CONFLICT"), reservations(OTHER, "register:0xbbbb", "write"));

        // fail back: the leader is stopped cleanly, the rejoined node takes over
        long t1 = System.nanoTime();
        pb.stop();
        assertFalse(Lab.holds(b.ns(), VIP), "a node that stops cleanly releases the VIP");
        long back = untilReadable(30);
        assertTrue(back >= 0, "no read after fail-back; a's log:\n" + pa2.output());
        System.out.printf("fail-back: clean stop of the leader to the first good read: %d ms%n", (System.nanoTime() - t1) / 1_000_000);

        // the new leader enforces the reservation made on the old one: the holder passes the reservation
        // check (and then meets the read-only LUN), the other registrant is still refused
        assertEquals(List.of("reservation key=0xaaaa type=1", "write RESERVATION_CONFLICT"), reservations(OTHER, "read-reservation", "write"));
        assertEquals(List.of("write CHECK_CONDITION key=0x7"), reservations(HOLDER, "write"), "DATA PROTECT, not a conflict");
    }

    /** Runs {@link PrClient} as {@code initiator} in the client namespace against the version's LUN; its output lines. */
    private List<String> reservations(String initiator, String... steps) throws Exception {
        Path classes = Path.of(PrClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", cluster.clientNs(), IcbdExport.javaBinary(), "-cp", classes.toString(),
                PrClient.class.getName(), VIP, IQN, initiator));
        cmd.addAll(List.of(steps));
        Tool.Result r = Tool.run(Duration.ofSeconds(60), cmd.toArray(String[]::new));
        assertTrue(r.ok(), r::describe);
        return r.output().lines().filter(l -> !l.isBlank()).toList();
    }

    /**
     * The leader is cut off from ZooKeeper, not killed (ZooKeeper's packets to it are dropped, so it
     * hears nothing): it must stop serving before the standby starts. Both nodes' addresses are sampled
     * throughout; no sample may show the VIP on both.
     */
    @Test
    void aLeaderCutOffFromZooKeeperStopsBeforeTheStandbyStarts() throws Exception {
        ClusterNode a = node("a", 2);
        ClusterNode b = node("b", 3);
        NodeProcess pa = startLeader(a);
        NodeProcess pb = cluster.serve(b);

        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicInteger both = new AtomicInteger();
        AtomicInteger samples = new AtomicInteger();
        List<String> timeline = new ArrayList<>();
        Thread sampler = Thread.ofPlatform().start(() -> {
            String last = "";
            try {
                while (sampling.get()) {
                    boolean ha = Lab.holds(a.ns(), VIP);
                    boolean hb = Lab.holds(b.ns(), VIP);
                    samples.incrementAndGet();
                    if (ha && hb) both.incrementAndGet();
                    String now = (ha ? "a" : "-") + (hb ? "b" : "-");
                    if (!now.equals(last)) timeline.add(System.currentTimeMillis() % 100_000 + " " + now);
                    last = now;
                }
            } catch (Exception e) {
                timeline.add("sampler failed: " + e);
            }
        });
        long t0 = System.nanoTime();
        Lab.ip("-n", cluster.zkNs(), "route", "add", "blackhole", Lab.SUBNET + "2/32");
        awaitHolder(b.ns(), 30);
        long takeover = (System.nanoTime() - t0) / 1_000_000;
        long readable = untilReadable(30);
        Thread.sleep(1000);
        sampling.set(false);
        sampler.join();

        assertTrue(pa.alive(), "the cut-off leader keeps running");
        assertEquals(0.0, servingEpoch(a), "the cut-off leader stopped serving");
        assertFalse(Lab.holds(a.ns(), VIP), "the cut-off leader dropped the VIP");
        assertEquals(0, both.get(), "the VIP was on both nodes in " + both + " of " + samples + " samples: " + timeline);
        assertTrue(readable >= 0, () -> "the new leader serves; last try: " + lastAttempt);
        System.out.printf("partition: ZooKeeper cut off from the leader to the VIP on the standby: %d ms; %d samples, never both: %s%n",
                takeover, samples.get(), timeline);

        // heal: the old leader rejoins as a standby
        Lab.ip("-n", cluster.zkNs(), "route", "del", "blackhole", Lab.SUBNET + "2/32");
        Thread.sleep(4000);
        assertFalse(Lab.holds(a.ns(), VIP), "after the partition heals the old leader stands by");
        assertTrue(Lab.holds(b.ns(), VIP));
        assertTrue(untilReadable(20) >= 0, () -> "the new leader keeps serving after the heal; last try: " + lastAttempt);
    }

    /**
     * A writable clone in asynchronous (checkpoint) mode: what was written before the last checkpoint
     * the standby acknowledged survives the leader's death, and the promoted clone is not served
     * until an administrator releases it (its newest writes may be missing), while the read-only
     * version is served at once.
     */
    @Test
    void aWritableCloneIsPromotedFromItsLastCheckpointAndHeldUntilReleased() throws Exception {
        // the cluster keeps the default mode (sync); the clone's own 'replication: async' must win
        ClusterNode a = withClone(asyncClone(node("a", 2, diskA.fs().root(), "interval: 2s")));
        ClusterNode b = asyncClone(node("b", 3, diskB.fs().root(), "interval: 2s"));
        NodeProcess pa = startLeader(a);
        NodeProcess pb = cluster.serve(b);

        Tool.Result w = qemuIo(WS01_URL, "write -P 0xa1 0 1M", "write -P 0xa2 2M 64k");
        assertTrue(w.ok() && w.output().contains("wrote 1048576/1048576"), w::describe);
        awaitCheckpoints(a, "b", null, 2, 60); // a checkpoint taken after the writes, acknowledged by b
        assertTrue(sent(a, "b", "incremental") >= 1, "later checkpoints are incremental");
        // replication under a steady write load: the lag (age of the newest checkpoint b has) stays near one interval
        // tracked, so teardown kills it even when an assertion below fails (an orphan would spin for hours)
        Process load = new ProcessBuilder("ip", "netns", "exec", cluster.clientNs(), "qemu-img", "bench", "-f", "raw", "-w", "-t", "none",
                "-d", "8", "-s", "64k", "-c", "10000000", WS01_URL).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        cluster.track(load);
        double maxLag = 0;
        long written0 = (long) metric(a.ns(), "icbd_scsi_written_bytes_total");
        for (int i = 0; i < 18; i++) {
            Thread.sleep(500);
            maxLag = Math.max(maxLag, metric(a.ns(), "icbd_replication_lag_seconds{volume=\"ws01\"}"));
        }
        load.destroyForcibly().waitFor();
        long written = (long) metric(a.ns(), "icbd_scsi_written_bytes_total") - written0;
        assertTrue(written > 0, "the load wrote");
        assertTrue(maxLag < 10, "replication keeps up under load (interval 2 s); max lag " + maxLag + " s");
        System.out.printf("replication under load: %d MiB written in 9 s, checkpoint lag at most %.1f s (interval 2 s)%n",
                written >> 20, maxLag);
        Tool.Result rewrite = qemuIo(WS01_URL, "write -P 0xa1 0 1M", "write -P 0xa2 2M 64k");
        assertTrue(rewrite.ok(), rewrite::describe);
        awaitCheckpoints(a, "b", null, 2, 60);

        String status = icbd(a.ns(), "replication", "status", "--config", a.config().toString());
        assertTrue(status.lines().anyMatch(l -> l.startsWith("b ") && l.contains("ws01.1.")), status);
        System.out.println("icbd replication status:\n" + status);

        String pauses = String.format("%.0f, at most %.0f ms", metric(a.ns(), "icbd_replication_pause_seconds_count"),
                metric(a.ns(), "icbd_replication_pause_seconds_max") * 1000);
        long t0 = System.nanoTime();
        pa.kill();
        Lab.ip("-n", a.ns(), "link", "set", "eth0", "down");
        assertTrue(untilReadable(30) >= 0, () -> "the version is served at once by the new leader; last try: " + lastAttempt);
        long versionBack = (System.nanoTime() - t0) / 1_000_000;
        Tool.Result refused = qemuIo(WS01_URL, "read -P 0xa1 0 64k");
        assertFalse(refused.ok() && refused.output().contains("read 65536/65536"), "the promoted clone is held: " + refused.describe());

        String released = icbd(b.ns(), "cluster", "release", "--config", b.config().toString());
        assertTrue(released.contains("released"), released);
        Tool.Result back = qemuIo(WS01_URL, "read -P 0xa1 0 1M", "read -P 0xa2 2M 64k");
        assertTrue(back.ok() && !back.output().contains("Pattern verification failed") && count(back.output(), "read ") == 2,
                "the checkpointed writes are on the new leader: " + back.describe());
        System.out.printf("async failover: kill -9 to the version served again %d ms; held clone released, its checkpointed"
                + " writes read back; checkpoint pauses on the old leader: %s%n", versionBack, pauses);

        // the old leader rejoins as a standby and is resynchronised incrementally from the common checkpoint
        Lab.ip("-n", a.ns(), "link", "set", "eth0", "up");
        NodeProcess pa2 = cluster.serve(a);
        awaitCheckpoints(b, "a", "incremental", 1, 60);
        assertEquals(0.0, sent(b, "a", "full"), "no full resend to the rejoined node");
        String resync = String.format("%.0f incremental, 0 full", sent(b, "a", "incremental")); // b's metrics go when it stops

        // a clean switch back: written just before the leader stops, so only its final checkpoint carries it
        Tool.Result w2 = qemuIo(WS01_URL, "write -P 0xb1 0 1M");
        assertTrue(w2.ok(), w2::describe);
        long t1 = System.nanoTime();
        pb.stop();
        awaitHolder(a.ns(), 30);
        // read without a release: a clean hand-over loses nothing, so nothing is held; 0xb1 only came with the final checkpoint
        Tool.Result afterFailBack = qemuIo(WS01_URL, "read -P 0xb1 0 1M", "read -P 0xa2 2M 64k");
        long switchMs = (System.nanoTime() - t1) / 1_000_000;
        assertTrue(afterFailBack.ok() && !afterFailBack.output().contains("Pattern verification failed")
                && count(afterFailBack.output(), "read ") == 2, afterFailBack::describe);
        try (var aside = Files.list(diskA.fs().root().resolve("data/diverged"))) {
            assertEquals(1, aside.count(), "the old leader's own copy is kept aside");
        }
        System.out.printf("rejoin: resynchronised incrementally (%s); clean switch-back with a final checkpoint: %d ms to"
                + " the last write read back on the other node%n",
                resync, switchMs);
    }

    /**
     * A writable clone in synchronous mode: an initiator writes a known pattern, 4 KiB at a time, while
     * the leader is killed; every write it saw acknowledged reads back from the new leader, which
     * serves the clone at once (nothing held). The checkpoint interval is long (30 s), so the writes
     * reach the standby through the write log only. Also measured: write latency and throughput with
     * and without a standby in sync.
     */
    @Test
    void inSyncModeEveryAcknowledgedWriteSurvivesTheLeadersDeath() throws Exception {
        ClusterNode a = withClone(node("a", 2, diskA.fs().root(), SYNC));
        ClusterNode b = node("b", 3, diskB.fs().root(), SYNC, false);
        NodeProcess pa = startLeader(a);

        String alone = bench(WS01_URL, 1, "4k") + "; " + bench(WS01_URL, 8, "64k");
        NodeProcess pb = cluster.serve(b);
        cluster.awaitInSync(a, "b", 60);
        // b had no version: it got lab@1 from a, and the clone's first checkpoint was sent against it (shared extents)
        assertTrue(Files.isDirectory(b.root().resolve("data/images/lab/versions/1")), "lab@1 reached b");
        assertEquals(0.0, sent(a, "b", "full"), "the clone went against its version");
        assertTrue(sent(a, "b", "incremental") >= 1, "the clone went against its version");
        String mirrored = bench(WS01_URL, 1, "4k") + "; " + bench(WS01_URL, 8, "64k");
        System.out.printf("sync mode cost: without a standby %s; with standby b in sync %s%n", alone, mirrored);
        String status = icbd(a.ns(), "replication", "status", "--config", a.config().toString());
        assertTrue(status.contains("in sync: b"), status);

        // the writer: 1024 writes of 4 KiB, each with its own pattern (never the image's 0x5a), one at a time
        List<String> writes = new ArrayList<>();
        for (int k = 0; k < IMAGE_BYTES / 4096; k++) writes.add("write -P " + pattern(k) + " " + k * 4096L + " 4k");
        Path writerOut = tmp.resolve("writer.out");
        Process writer = cluster.initiator(cluster.clientNs(), writerOut, WS01_URL, writes.toArray(String[]::new));
        long before = (long) metric(a.ns(), "icbd_scsi_written_bytes_total");
        while ((long) metric(a.ns(), "icbd_scsi_written_bytes_total") - before < (256 << 10)) {
            assertTrue(writer.isAlive(), () -> "the writer ended early: " + read(writerOut));
            Thread.sleep(20);
        }
        double waitMs = metric(a.ns(), "icbd_replication_log_wait_seconds_sum") * 1000
                / metric(a.ns(), "icbd_replication_log_wait_seconds_count");
        long t0 = System.nanoTime();
        pa.kill();
        Lab.ip("-n", a.ns(), "link", "set", "eth0", "down");
        long readable = untilReadable(30);
        long versionBack = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(readable >= 0, () -> "the version is served by the new leader; last try: " + lastAttempt + "\n" + pb.output());
        boolean finished = writer.waitFor(60, TimeUnit.SECONDS);
        long writerDone = (System.nanoTime() - t0) / 1_000_000;
        if (!finished) writer.destroyForcibly().waitFor();
        String written = read(writerOut);

        List<Long> acked = new ArrayList<>();
        Matcher m = Pattern.compile("wrote 4096/4096 bytes at offset (\\d+)").matcher(written);
        while (m.find()) acked.add(Long.parseLong(m.group(1)));
        assertTrue(acked.size() >= 64, "the writer got writes acknowledged before the kill:\n" + written);
        assertTrue(servingEpoch(b) > 0, "b leads");
        // read back through the clone's target without a release: in sync mode nothing is held

        List<String> reads = new ArrayList<>();
        for (long off : acked) reads.add("read -P " + pattern((int) (off / 4096)) + " " + off + " 4k");
        Tool.Result back = qemuIo(Duration.ofSeconds(60), true, WS01_URL, reads.toArray(String[]::new));
        assertTrue(back.ok(), back::describe);
        assertFalse(back.output().contains("Pattern verification failed"), () -> "an acknowledged write is lost:\n" + back.describe());
        assertEquals(acked.size(), count(back.output(), "read 4096/4096"), back::describe);
        System.out.printf("sync failover: kill -9 of the leader after %d KiB of writes; version served again after %d ms;"
                        + " %d of 1024 writes acknowledged, all read back from the new leader; the writer %s%n",
                256, versionBack, acked.size(),
                finished && acked.size() == IMAGE_BYTES / 4096 ? "resumed by itself and finished all writes " + writerDone + " ms after the kill"
                        : "stopped at the failover (exit " + (finished ? writer.exitValue() : "none, killed") + ")");
        System.out.println("the new leader's log of the take-over:\n" + pb.output().lines()
                .filter(l -> l.contains("leading in epoch") || l.contains("promoted from") || l.contains("serving cluster"))
                .collect(Collectors.joining("\n")));
        System.out.printf("sync mode: a write waited for the standby %.2f ms on average (icbd_replication_log_wait on the old"
                + " leader, sampled before the kill)%n", waitMs);

        // the old leader rejoins: it gets b's state (checkpoint and log) and is in sync again
        awaitAlone(b);
        Lab.ip("-n", a.ns(), "link", "set", "eth0", "up");
        NodeProcess pa2 = cluster.serve(a);
        cluster.awaitInSync(b, "a", 60);
        Tool.Result onB = qemuIo(WS01_URL, "write -P 0x11 0 4k");
        assertTrue(onB.ok() && onB.output().contains("wrote 4096/4096"), onB::describe);

        // fail back by killing b: a takes over with nothing lost and nothing held
        long t1 = System.nanoTime();
        pb.kill();
        Lab.ip("-n", b.ns(), "link", "set", "eth0", "down");
        Tool.Result backOnA = null;
        while (System.nanoTime() - t1 < 30_000_000_000L) {
            backOnA = qemuIo(Duration.ofSeconds(2), true, WS01_URL, "read -P 0x11 0 4k", "read -P " + pattern(1) + " 4096 4k");
            if (backOnA.ok() && count(backOnA.output(), "read 4096/4096") == 2) break;
            Thread.sleep(100);
        }
        long failBackMs = (System.nanoTime() - t1) / 1_000_000;
        Tool.Result lastRead = backOnA;
        assertTrue(lastRead.ok() && count(lastRead.output(), "read 4096/4096") == 2
                && !lastRead.output().contains("Pattern verification failed"), () -> lastRead.describe() + "\n" + pa2.output());
        // read without a release: in sync, nothing is held
        assertTrue(metric(a.ns(), "icbd_diverged_copies") >= 1, "a's copy from before the first failover is set aside");
        System.out.printf("sync fail-back: kill -9 of b to b's last acknowledged write read back on a: %d ms%n", failBackMs);

        // a leads with no standby in sync: it says so; what it acknowledges now is on a only
        awaitAlone(a);
        Tool.Result onlyA = qemuIo(WS01_URL, "write -P 0x22 0 4k");
        assertTrue(onlyA.ok() && onlyA.output().contains("wrote 4096/4096"), onlyA::describe);
        pa2.kill();
        Lab.ip("-n", a.ns(), "link", "set", "eth0", "down");

        // b comes back: it lacks a's last write, so it must not lead by itself...
        Lab.ip("-n", b.ns(), "link", "set", "eth0", "up");
        NodeProcess pb2 = cluster.serve(b);
        awaitStatus(b, "live nodes: b\\b", 30);
        for (int i = 0; i < 10; i++) { // b is up and may win the latch, but is not in sync: it must stay out
            assertFalse(Lab.holds(b.ns(), VIP), "a node out of sync does not take over");
            assertEquals(0.0, servingEpoch(b), "a node out of sync does not serve");
            Thread.sleep(500);
        }
        // ...until an administrator, knowing a is lost for good, says so; the clone is then held until released
        String promote = icbd(b.ns(), "cluster", "promote", "--node", "b", "--config", b.config().toString());
        assertTrue(promote.contains("may now lead"), promote);
        awaitHolder(b.ns(), 30);
        assertTrue(untilReadable(30) >= 0, () -> "the version is served; last try: " + lastAttempt);
        Tool.Result held = qemuIo(WS01_URL, "read 0 4k");
        assertFalse(held.ok() && held.output().contains("read 4096/4096"), "the promoted clone is held: " + held.describe());
        icbd(b.ns(), "cluster", "release", "--config", b.config().toString());
        Tool.Result own = qemuIo(WS01_URL, "read -P 0x11 0 4k");
        assertTrue(own.ok() && own.output().contains("read 4096/4096") && !own.output().contains("Pattern verification failed"),
                () -> "b serves its own copy (without a's last write) once released: " + own.describe());

        // a rejoins and b stops cleanly while it brings a up to date (the round that does is cut off):
        // whether or not a is in sync yet, b's final checkpoint carries everything, so a leads with b's
        // last write, and nothing is held
        Lab.ip("-n", a.ns(), "link", "set", "eth0", "up");
        NodeProcess pa3 = cluster.serve(a);
        awaitStatus(b, "live nodes: a, b", 30);
        Tool.Result lastOnB = qemuIo(WS01_URL, "write -P 0x33 8k 4k");
        assertTrue(lastOnB.ok() && lastOnB.output().contains("wrote 4096/4096"), lastOnB::describe);
        pb2.stop();
        assertTrue(untilReadable(30) >= 0, () -> "a took over after the clean stop; last try: " + lastAttempt + "\n" + pa3.output()
                + "\nb, which stopped:\n" + pb2.output());
        Tool.Result handedOver = qemuIo(Duration.ofSeconds(60), true, WS01_URL, "read -P 0x33 8k 4k", "read -P 0x11 0 4k");
        assertTrue(handedOver.ok() && count(handedOver.output(), "read 4096/4096") == 2
                && !handedOver.output().contains("Pattern verification failed"), () -> handedOver.describe() + "\n" + pa3.output());
    }

    /**
     * A standby in sync wins but cannot serve (its iSCSI port is taken): it stands aside and puts back
     * the record of who holds every acknowledged write, so the old leader, once back, may lead again
     * with nothing lost. (Had the failed start left itself recorded as the only node in sync, no node
     * could lead without an administrator.)
     */
    @Test
    void aNodeThatCannotServeLeavesTheNodesInSyncFreeToLead() throws Exception {
        ClusterNode a = withClone(node("a", 2, diskA.fs().root(), SYNC));
        ClusterNode b = node("b", 3, diskB.fs().root(), SYNC, false);
        NodeProcess pa = startLeader(a);
        NodeProcess pb = cluster.serve(b);
        cluster.awaitInSync(a, "b", 60);
        long epoch = epoch(ClusterLab.replicationStatus(a));
        Tool.Result onA = qemuIo(WS01_URL, "write -P 0x44 0 4k");
        assertTrue(onA.ok() && onA.output().contains("wrote 4096/4096"), onA::describe);

        // something else on b listens on the iSCSI port (any address, so b cannot bind the VIP's)
        NodeProcess squatter = NodeProcess.start(b.ns(), tmp.resolve("squatter.log"), "zookeeper", "--listen", "0.0.0.0:3260",
                "--data", tmp.resolve("squatter").toString());
        cluster.track(squatter);
        assertTrue(squatter.awaitOutput("ZooKeeper listening", 60), squatter.output());
        pa.kill();
        Lab.ip("-n", a.ns(), "link", "set", "eth0", "down");
        // b won (it took a newer epoch), failed to serve, and put a back as the leader whose writes it has
        long after = epoch;
        long deadline = System.nanoTime() + 30_000_000_000L;
        String status = "";
        while (after <= epoch) {
            assertTrue(System.nanoTime() < deadline, "b tried to lead:\n" + status);
            Thread.sleep(500);
            status = ClusterLab.replicationStatus(b);
            Matcher m = Pattern.compile("synchronous write log of a \\(epoch (\\d+)\\):\\s+ws01\\s+in sync: b\\b").matcher(status);
            if (m.find()) after = Long.parseLong(m.group(1));
        }
        assertEquals(0.0, servingEpoch(b), "a node that cannot serve does not serve");
        assertFalse(Lab.holds(b.ns(), VIP), "a node that cannot serve drops the virtual IP:\n" + pb.output());

        Lab.ip("-n", a.ns(), "link", "set", "eth0", "up");
        NodeProcess pa2 = cluster.serve(a);
        assertTrue(untilReadable(60) >= 0, () -> "a leads again; last try: " + lastAttempt + "\n" + pa2.output() + "\nb:\n" + pb.output());
        // through the clone's target without a release: a has every write, nothing is held
        Tool.Result back = qemuIo(Duration.ofSeconds(30), true, WS01_URL, "read -P 0x44 0 4k");
        assertTrue(back.ok() && back.output().contains("read 4096/4096") && !back.output().contains("Pattern verification failed"),
                () -> "a's last acknowledged write is served: " + back.describe());
    }

    /** The pattern byte of the k-th 4 KiB write: 0x80 to 0xe3, never the image's 0x5a. */
    private static int pattern(int k) {
        return 0x80 + k % 100;
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** qemu-img bench writes of {@code size} at queue depth {@code depth} for 2 s worth: "QD1 4k: N IOPS, M MiB/s". */
    private String bench(String url, int depth, String size) throws Exception {
        int count = depth == 1 ? 2000 : 4000;
        Tool.Result r = Tool.run(Duration.ofSeconds(120), "ip", "netns", "exec", cluster.clientNs(), "qemu-img", "bench", "-f", "raw", "-w",
                "-t", "none", "-d", Integer.toString(depth), "-s", size, "-c", Integer.toString(count), url);
        assertTrue(r.ok(), r::describe);
        Matcher m = Pattern.compile("Run completed in ([0-9.]+) seconds").matcher(r.output());
        assertTrue(m.find(), r::describe);
        double s = Double.parseDouble(m.group(1));
        long bytes = (long) count * (size.equals("4k") ? 4096 : 65536);
        return String.format("QD%d %s: %.0f IOPS, %.1f MiB/s, %.2f ms each", depth, size, count / s, bytes / s / (1 << 20),
                s * 1000 / count * depth);
    }

    /** The cluster's epoch in a {@code replication status}. */
    private static long epoch(String status) {
        Matcher m = Pattern.compile("cluster \\S+, epoch (\\d+)").matcher(status);
        assertTrue(m.find(), status);
        return Long.parseLong(m.group(1));
    }
}
