package org.icbd.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryForever;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lease kept against a real ZooKeeper server (curator-test, in this JVM, on a free port). */
class LeaseKeeperTest {

    private static final ClusterPaths PATHS = new ClusterPaths("site1");
    private static final Duration SESSION = Duration.ofSeconds(3);

    private TestingServer zkServer;
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private final BlockingQueue<String> lapses = new LinkedBlockingQueue<>();
    private final AtomicInteger beats = new AtomicInteger();
    private final ServingLease lease = new ServingLease(ServingLease.durationFor(SESSION), System::nanoTime);

    @BeforeEach
    void zookeeper() throws Exception {
        zkServer = new TestingServer(InstanceSpec.getRandomPort(), true);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) closeLater.get(i).close();
        zkServer.close();
    }

    private CuratorFramework client() throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(zkServer.getConnectString())
                .sessionTimeoutMs((int) SESSION.toMillis()).connectionTimeoutMs(1000).retryPolicy(new RetryForever(200)).build();
        c.start();
        closeLater.add(c);
        assertTrue(c.blockUntilConnected(20, TimeUnit.SECONDS));
        return c;
    }

    private LeaseKeeper keep(CuratorFramework zk, long epoch) throws Exception {
        LeaseKeeper k = LeaseKeeper.start(zk, PATHS, epoch, lease, () -> beats.incrementAndGet(), lapses::add);
        closeLater.add(k);
        return k;
    }

    @Test
    void aConnectedLeaderKeepsItsLeaseFarBeyondItsDuration() throws Exception {
        CuratorFramework zk = client();
        long epoch = new Epochs(zk, PATHS).next();
        keep(zk, epoch);
        long until = System.nanoTime() + 3 * lease.duration().toNanos();
        while (System.nanoTime() < until) {
            assertTrue(lease.awaitValid(lease.duration()), "a connected leader's lease lapsed");
            Thread.sleep(50);
        }
        assertEquals(null, lapses.poll(), "no lapse while ZooKeeper answers");
        assertTrue(beats.get() >= 3, "each confirmation beats the heartbeat; got " + beats.get());
    }

    @Test
    void whenZooKeeperIsGoneTheLeaseLapsesWellBeforeTheSessionCouldExpire() throws Exception {
        CuratorFramework zk = client();
        long epoch = new Epochs(zk, PATHS).next();
        keep(zk, epoch);
        long t0 = System.nanoTime();
        zkServer.stop();
        String why = lapses.poll(20, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertNotNull(why, "never lapsed");
        assertFalse(lease.valid());
        // the lease ends at most its duration after the last confirmed send, which came before the stop
        assertTrue(ms < SESSION.toMillis(), "lapsed " + ms + " ms after ZooKeeper went; the session (3 s) could have expired");
        assertEquals(0, lease.epoch(), "a lapsed lease is revoked: only a new leadership grants another");
    }

    @Test
    void aNewerEpochEndsTheLeaseAtOnce() throws Exception {
        CuratorFramework zk = client();
        long epoch = new Epochs(zk, PATHS).next();
        keep(zk, epoch);
        new Epochs(client(), PATHS).next(); // another node took over (its own session)
        String why = lapses.poll(20, TimeUnit.SECONDS);
        assertNotNull(why);
        assertTrue(why.contains("epoch " + (epoch + 1)), why);
        assertFalse(lease.valid());
    }

    @Test
    void aHeartbeatThatFailsEndsTheLease() throws Exception {
        CuratorFramework zk = client();
        long epoch = new Epochs(zk, PATHS).next();
        LeaseKeeper k = LeaseKeeper.start(zk, PATHS, epoch, lease, () -> {
            throw new IOException("the virtual IP guard has exited");
        }, lapses::add);
        closeLater.add(k);
        assertEquals("the virtual IP guard has exited", lapses.poll(20, TimeUnit.SECONDS));
        assertFalse(lease.valid());
    }

    @Test
    void aLeaderDeposedBeforeItStartsGetsNoLease() throws Exception {
        CuratorFramework zk = client();
        long epoch = new Epochs(zk, PATHS).next();
        new Epochs(zk, PATHS).next();
        assertThrows(IllegalStateException.class, () -> keep(zk, epoch));
        assertFalse(lease.valid());
    }
}
