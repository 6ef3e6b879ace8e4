package org.icbd.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.icbd.btrfs.Btrfs;
import org.icbd.btrfs.LoopBtrfs;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.failover.Checkpointer;
import org.icbd.failover.ClusterPaths;
import org.icbd.failover.Epochs;
import org.icbd.failover.LogRecord;
import org.icbd.failover.ReplicationReceiver;
import org.icbd.failover.ReplicationSender;
import org.icbd.failover.SyncState;
import org.icbd.failover.WriteLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 13, defect 1, end to end on two real btrfs file systems and a real ZooKeeper: the leader's
 * write log and checkpoints reach a standby, the standby is elected while the receive of a checkpoint
 * is held back and the stream is then cut; its promotion must start from the previous complete
 * checkpoint and replay the log from there, so that it holds every write the leader acknowledged.
 */
@ExtendWith(LoopBtrfsExtension.class)
class PromotionAfterCutReceiveTest {

    private static final byte[] SECRET = "a-cluster-secret-of-32-bytes!!!!".getBytes(StandardCharsets.US_ASCII);
    private static final ClusterPaths PATHS = new ClusterPaths("site1");
    private static final int DISK = 8 << 20;
    private final Btrfs btrfs = new Btrfs();
    private final Random random = new Random(13);

    @Test
    void aStandbyElectedMidReceiveLosesNoAcknowledgedWrite(LoopBtrfs leaderFs, LoopBtrfs standbyFs) throws Exception {
        Path leaderRoot = leaderFs.root().resolve("data");
        Path clone = Files.createDirectories(leaderRoot.resolve("clones")).resolve("ws01");
        btrfs.createSubvolume(clone);
        byte[] disk = new byte[DISK];
        random.nextBytes(disk);
        Files.write(clone.resolve("disk.img"), disk);
        Path checkpoints = Files.createDirectories(leaderRoot.resolve("checkpoints"));
        Path standbyRoot = standbyFs.root().resolve("data");

        try (TestingServer server = new TestingServer(InstanceSpec.getRandomPort(), true);
             CuratorFramework zk = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
            zk.start();
            Epochs epochs = new Epochs(zk, PATHS);
            assertEquals(1, epochs.next(), "the leader's epoch: the in-sync record is fenced by it");
            ReplicationReceiver standby = new ReplicationReceiver("site1", SECRET, standbyRoot.resolve("replicas"), () -> 1,
                    new InetSocketAddress("127.0.0.1", 0));
            ReplicationSender sender = new ReplicationSender("site1", SECRET);
            int acknowledged = 0;
            try (standby; WriteLog log = new WriteLog("site1", SECRET, 1, "a", Duration.ofSeconds(5), List.of("ws01"),
                    inSync -> new SyncState(1, "a", inSync).write(zk, PATHS))) {
                log.connect(List.of(new Checkpointer.Standby("b", standby.address())));
                // checkpoint 1, complete: the standby is in sync (recorded in ZooKeeper)
                Path c1 = btrfs.snapshot(clone, checkpoints.resolve("ws01.1.1"), true).path();
                log.marker("ws01", "ws01.1.1");
                sender.send(standby.address(), 1, "ws01", c1, Optional.empty());
                log.confirmed("b", "ws01", "ws01.1.1");
                assertTrue(SyncState.read(zk, PATHS).orElseThrow().eligible("b"));
                acknowledged += writes(log, clone, disk, 40);

                // checkpoint 2: its receive is held back after 300 KiB ...
                Path c2 = btrfs.snapshot(clone, checkpoints.resolve("ws01.1.2"), true).path();
                log.marker("ws01", "ws01.1.2");
                try (Gate held = new Gate(standby.address(), 300 << 10)) { // the stream holds about 700 KiB, sent in 256 KiB frames
                    CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                        try {
                            sender.send(held.address(), 1, "ws01", c2, Optional.of(c1));
                        } catch (IOException expected) {
                            // cut below
                        }
                    });
                    assertTrue(held.reached.await(60, TimeUnit.SECONDS), "the stream reached the gate");
                    Path partial = standbyRoot.resolve("replicas/ws01/ws01.1.2.partial");
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!Files.exists(partial) && System.nanoTime() < end) Thread.sleep(20);
                    assertTrue(Files.exists(partial), "btrfs receive is under way, under a name that is no checkpoint's");
                    // ... while the leader goes on acknowledging writes, which reach the standby's log
                    acknowledged += writes(log, clone, disk, 40);
                    // the standby is elected now (the leader is cut off), and the stream is cut
                    standby.leading(epochs.next());
                    held.close();
                    sending.get(60, TimeUnit.SECONDS);
                }
            }
            assertFalse(Files.exists(standbyRoot.resolve("replicas/ws01/ws01.1.2")), "the cut checkpoint has no checkpoint name");

            // the election's view: b was in sync, so it leads without an administrator
            boolean forced = !SyncState.read(zk, PATHS).orElseThrow().eligible("b");
            assertFalse(forced);
            Path standbyClone = Files.createDirectories(standbyRoot.resolve("clones")).resolve("ws01");
            WritableClone ws01 = new WritableClone("ws01", standbyClone, standbyClone.resolve("disk.img"), "iqn.2026-11.org.example:ws01", true);
            Promotion promotion = new Promotion(standbyRoot);
            TakeoverPlan plan = TakeoverPlan.decide(promotion.facts(List.of(ws01), Map.of()), forced);
            assertEquals(Optional.of("ws01.1.1"), plan.steps().get(0).checkpoint(), "the newest complete checkpoint");
            assertTrue(plan.steps().get(0).replay());
            Set<String> held = promotion.carryOut(plan, List.of(ws01), 2);
            assertEquals(Set.of(), held, "served at once: nothing acknowledged is missing");
            assertEquals(80, acknowledged);
            assertArrayEquals(disk, Files.readAllBytes(ws01.disk()), "every acknowledged write is on the new leader's clone");
        }
    }

    /** Writes {@code n} random blocks to the leader's clone and its write log, each acknowledged (awaited). */
    private int writes(WriteLog log, Path clone, byte[] disk, int n) throws IOException {
        try (FileChannel ch = FileChannel.open(clone.resolve("disk.img"), StandardOpenOption.WRITE)) {
            for (int i = 0; i < n; i++) {
                byte[] data = new byte[4096 * (1 + random.nextInt(8))];
                random.nextBytes(data);
                long offset = 4096L * random.nextInt((DISK - data.length) / 4096);
                ch.write(ByteBuffer.wrap(data), offset);
                System.arraycopy(data, 0, disk, (int) offset, data.length);
                log.await(log.append(List.of(new LogRecord.Write("ws01", offset, data, false))));
            }
        }
        return n;
    }

    /** A TCP relay that forwards the first {@code limit} bytes of the sender's stream, holds the rest, and breaks both ends when closed. */
    static final class Gate implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch closed = new CountDownLatch(1);

        Gate(InetSocketAddress target, long limit) throws IOException {
            Thread.ofVirtual().start(() -> {
                try {
                    Socket in = server.accept();
                    Socket out = new Socket(target.getAddress(), target.getPort());
                    sockets.addAll(List.of(in, out));
                    Thread.ofVirtual().start(() -> copy(out, in, Long.MAX_VALUE));
                    copy(in, out, limit);
                    reached.countDown();
                    closed.await();
                } catch (IOException | InterruptedException ignored) {
                    // closed
                }
            });
        }

        private static void copy(Socket from, Socket to, long limit) {
            try {
                InputStream i = from.getInputStream();
                OutputStream o = to.getOutputStream();
                byte[] buf = new byte[8192];
                long passed = 0;
                int n;
                while (passed < limit && (n = i.read(buf, 0, (int) Math.min(buf.length, limit - passed))) > 0) {
                    o.write(buf, 0, n);
                    passed += n;
                }
            } catch (IOException ignored) {
                // one side closed
            }
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) s.close();
            closed.countDown();
        }
    }
}
