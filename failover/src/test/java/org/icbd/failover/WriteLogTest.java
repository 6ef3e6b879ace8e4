package org.icbd.failover;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader's write log against a real standby receiver over TCP: what it acknowledges is in the
 * standby's log, and a standby that cannot keep up is recorded out of sync before any write returns
 * without it.
 */
class WriteLogTest {

    private static final byte[] SECRET = "a-cluster-secret-of-32-bytes!!!!".getBytes(StandardCharsets.US_ASCII);
    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @TempDir
    Path tmp;

    /** What the leader recorded as in sync, in order. */
    private final List<Map<String, Set<String>>> recorded = new CopyOnWriteArrayList<>();
    private final AtomicBoolean zooKeeperDown = new AtomicBoolean();

    private WriteLog log(long epoch) {
        return new WriteLog("site1", SECRET, epoch, "a", TIMEOUT, List.of("ws01"), inSync -> {
            if (zooKeeperDown.get()) throw new IOException("ZooKeeper unreachable");
            recorded.add(inSync);
        });
    }

    private ReplicationReceiver standby(long clusterEpoch) throws IOException {
        return new ReplicationReceiver("site1", SECRET, tmp.resolve("replicas"), tmp.resolve("writelog"), () -> clusterEpoch,
                new InetSocketAddress("127.0.0.1", 0));
    }

    /** Connects, marks checkpoint ws01.1.1 and confirms it: b is in sync. */
    private void inSync(WriteLog log, InetSocketAddress b) throws IOException {
        log.connect(List.of(new Checkpointer.Standby("b", b)));
        log.marker("ws01", "ws01.1.1");
        log.confirmed("b", "ws01", "ws01.1.1");
        assertEquals(Map.of("ws01", Set.of("b")), recorded.get(recorded.size() - 1));
    }

    @Test
    void everyAcknowledgedWriteIsInTheStandbysLogInTheLeadersOrder() throws Exception {
        byte[] leader = new byte[1 << 20];
        Random random = new Random(1);
        try (ReplicationReceiver rx = standby(1); WriteLog log = log(1)) {
            log.await(log.append(List.of(write(0, new byte[4096])))); // nobody connected: nothing to wait for
            inSync(log, rx.address());
            List<Thread> writers = new ArrayList<>();
            Object order = new Object(); // what MirroredBlockDevice's lock does: apply and append in one step
            for (int t = 0; t < 8; t++) {
                writers.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 200; i++) {
                        byte[] data = new byte[512 * (1 + random.nextInt(16))];
                        random.nextBytes(data);
                        long off = 512L * random.nextInt((leader.length - data.length) / 512);
                        WriteLog.Pending p;
                        synchronized (order) {
                            System.arraycopy(data, 0, leader, (int) off, data.length);
                            p = log.append(List.of(write(off, data)));
                        }
                        try {
                            log.await(p);
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    }
                }));
            }
            for (Thread t : writers) t.join();
            log.await(log.append(List.of(new LogRecord.Trim("ws01", 8192, 4096))));
            Arrays.fill(leader, 8192, 12288, (byte) 0);
            rx.leading(2); // promotion: the log ends here
        }
        byte[] standby = new byte[1 << 20];
        LogStore.Replayed r = LogStore.replay(tmp.resolve("writelog"), "ws01", "ws01.1.1", target(standby)).orElseThrow();
        assertEquals(1601, r.records());
        assertArrayEquals(leader, standby, "the replayed log is the leader's disk after the checkpoint");
    }

    @Test
    void aStandbyThatStopsAnsweringIsRecordedOutOfSyncBeforeTheWriteReturns() throws Exception {
        try (ReplicationReceiver rx = standby(1); Relay relay = new Relay(rx.address()); WriteLog log = log(1)) {
            inSync(log, relay.address());
            log.await(log.append(List.of(write(0, new byte[512]))));
            relay.freeze();
            long t0 = System.nanoTime();
            log.await(log.append(List.of(write(0, new byte[512]))));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(Map.of("ws01", Set.of()), recorded.get(recorded.size() - 1), "b recorded out of sync before the write returned");
            assertTrue(ms >= TIMEOUT.toMillis() - 50 && ms < TIMEOUT.toMillis() + 2000, "waited about the timeout: " + ms + " ms");
            assertTrue(log.idle(), "no standby left to wait for");
            long t1 = System.nanoTime();
            log.await(log.append(List.of(write(0, new byte[512]))));
            assertTrue((System.nanoTime() - t1) / 1_000_000 < 100, "later writes do not wait for it");
        }
    }

    @Test
    void whenTheOutOfSyncRecordCannotBeWrittenNoWriteIsAcknowledged() throws Exception {
        try (ReplicationReceiver rx = standby(1); Relay relay = new Relay(rx.address()); WriteLog log = log(1)) {
            inSync(log, relay.address());
            zooKeeperDown.set(true);
            relay.close(); // the standby is gone
            IOException e = assertThrows(IOException.class, () -> log.await(log.append(List.of(write(0, new byte[512])))));
            assertTrue(e.getMessage().contains("the write is not acknowledged"), e.getMessage());
            assertThrows(IOException.class, () -> log.await(log.append(List.of(write(0, new byte[512])))),
                    "nor any later one, while the record still names b");
            assertFalse(log.idle());
            zooKeeperDown.set(false);
            log.await(log.append(List.of(write(0, new byte[512]))));
            assertEquals(Map.of("ws01", Set.of()), recorded.get(recorded.size() - 1));
            assertTrue(log.idle());
        }
    }

    @Test
    void aRecordAlteredInTransitIsNeverStoredAndTheStandbyDropsOutOfSync() throws Exception {
        try (ReplicationReceiver rx = standby(1); ReplicationTest.Tamperer evil = new ReplicationTest.Tamperer(rx.address(), 2000);
             WriteLog log = log(1)) {
            inSync(log, evil.address());
            byte[] ones = new byte[4096];
            Arrays.fill(ones, (byte) 1);
            log.await(log.append(List.of(write(0, ones))));
            assertEquals(Map.of("ws01", Set.of()), recorded.get(recorded.size() - 1));
            rx.leading(2);
        }
        byte[] standby = new byte[8192];
        assertEquals(0, LogStore.replay(tmp.resolve("writelog"), "ws01", "ws01.1.1", target(standby)).orElseThrow().records());
    }

    @Test
    void aDeposedLeaderCannotConnect() throws Exception {
        try (ReplicationReceiver rx = standby(5); WriteLog log = log(4)) {
            log.connect(List.of(new Checkpointer.Standby("b", rx.address())));
            assertTrue(log.idle(), "refused: epoch 4 is older than the cluster's 5");
            IOException e = assertThrows(IOException.class,
                    () -> LogShipper.connect("site1", SECRET, 4, "a", "b", rx.address(), TIMEOUT));
            assertTrue(e.getMessage().contains("epoch 4 is older than 5"), e.getMessage());
        }
    }

    /**
     * A leader that stops (deposed, perhaps cut off from ZooKeeper) closes its log: a write still waiting
     * fails at once, unacknowledged, instead of waiting to record the standby's loss in ZooKeeper.
     */
    @Test
    void aClosedLogFailsWaitingWritesWithoutRecordingInZooKeeper() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        AtomicBoolean blocking = new AtomicBoolean();
        ReplicationReceiver rx = standby(1);
        try (WriteLog log = new WriteLog("site1", SECRET, 1, "a", TIMEOUT, List.of("ws01"), inSync -> {
            if (blocking.get()) never.await(); // ZooKeeper unreachable: the recording hangs
            recorded.add(inSync);
        })) {
            inSync(log, rx.address());
            blocking.set(true);
            rx.close(); // the standby goes: a write must record it out of sync before it may return
            WriteLog.Pending p = log.append(List.of(write(0, new byte[4096])));
            long t0 = System.nanoTime();
            log.close();
            IOException e = assertThrows(IOException.class, () -> log.await(p));
            assertTrue(e.getMessage().contains("not acknowledged"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(), "failed at once");
        } finally {
            rx.close();
        }
    }

    private static LogRecord.Write write(long offset, byte[] data) {
        return new LogRecord.Write("ws01", offset, data, false);
    }

    private static LogStore.Target target(byte[] disk) {
        return LogRecordTest.target(disk);
    }

    /**
     * A TCP relay that can stop forwarding while keeping both connections open: a standby that hangs. It
     * may also stop by itself once {@code holdAfter} bytes of the client's stream went through (the
     * chunk that would pass that many is held): a standby whose receive is held back mid-stream.
     */
    static final class Relay implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final long holdAfter;
        private volatile boolean frozen;
        /** Counted down when the stream is held after {@code holdAfter} bytes. */
        final CountDownLatch held = new CountDownLatch(1);

        Relay(InetSocketAddress target) throws IOException {
            this(target, Long.MAX_VALUE);
        }

        Relay(InetSocketAddress target, long holdAfter) throws IOException {
            this.holdAfter = holdAfter;
            Thread.ofVirtual().start(() -> {
                try {
                    Socket in = server.accept();
                    Socket out = new Socket(target.getAddress(), target.getPort());
                    sockets.addAll(List.of(in, out));
                    Thread.ofVirtual().start(() -> pump(out, in, false));
                    pump(in, out, true);
                } catch (IOException ignored) {
                    // closed
                }
            });
        }

        private void pump(Socket from, Socket to, boolean client) {
            try {
                InputStream i = from.getInputStream();
                OutputStream o = to.getOutputStream();
                byte[] buf = new byte[8192];
                long passed = 0;
                int n;
                while ((n = i.read(buf)) > 0) {
                    if (client && passed + n > holdAfter && held.getCount() > 0) {
                        frozen = true;
                        held.countDown();
                    }
                    while (frozen) Thread.sleep(10);
                    o.write(buf, 0, n);
                    passed += n;
                }
            } catch (IOException | InterruptedException ignored) {
                // one side closed
            }
        }

        void freeze() {
            frozen = true;
        }

        /** Forwards again what was held. */
        void thaw() {
            frozen = false;
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        /** Breaks both connections. */
        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) s.close();
            frozen = false;
        }
    }
}
