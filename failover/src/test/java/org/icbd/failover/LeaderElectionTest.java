package org.icbd.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryForever;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Election against a real ZooKeeper server (curator-test runs one in this JVM on a free port). */
class LeaderElectionTest {

    private static final ClusterPaths PATHS = new ClusterPaths("site1");

    private TestingServer zkServer;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    /** Records what a node was told, in order. */
    static class Recorder implements ServingListener {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();

        @Override
        public void lead(long epoch) throws Exception {
            events.add("lead " + epoch);
        }

        @Override
        public void stopServing(String reason) {
            events.add("stop " + reason);
        }

        String next() throws InterruptedException {
            String e = events.poll(20, TimeUnit.SECONDS);
            return e == null ? "nothing within 20 s" : e;
        }

        /** The next event that is a lead, skipping stops (a follower is told to stop at start-up, harmlessly). */
        String nextLead() throws InterruptedException {
            String e;
            do e = next(); while (e.startsWith("stop"));
            return e;
        }
    }

    @BeforeEach
    void zookeeper() throws Exception {
        zkServer = new TestingServer(InstanceSpec.getRandomPort(), true);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) closeLater.get(i).close();
        zkServer.close();
    }

    private CuratorFramework client(int sessionMs) {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(zkServer.getConnectString())
                .sessionTimeoutMs(sessionMs).connectionTimeoutMs(1000).retryPolicy(new RetryForever(200)).build();
        c.start();
        closeLater.add(c);
        return c;
    }

    private LeaderElection member(CuratorFramework zk, String id, Recorder r) throws Exception {
        LeaderElection e = new LeaderElection(zk, PATHS, id, r);
        e.start();
        closeLater.add(e);
        return e;
    }

    @Test
    void oneLeadsAndTheOtherTakesOverWithTheNextEpochWhenItLeaves() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        LeaderElection ea = member(client(3000), "a", a);
        assertEquals("lead 1", a.nextLead());
        LeaderElection eb = member(client(3000), "b", b);
        assertFalse(eb.hasLeadership());
        assertEquals(1, ea.servingEpoch());

        ea.close();
        assertTrue(a.next().startsWith("stop"));
        assertEquals("lead 2", b.nextLead());
        assertEquals(2, eb.servingEpoch());
    }

    @Test
    void aLeaderThatLosesZooKeeperStopsBeforeItsSessionCouldExpire() throws Exception {
        Recorder a = new Recorder();
        member(client(3000), "a", a);
        assertEquals("lead 1", a.nextLead());

        long t0 = System.nanoTime();
        zkServer.stop();
        String stop = a.next();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // the latch (losing leadership on SUSPENDED) and the connection listener race to say it first; either will do
        assertTrue(stop.equals("stop ZooKeeper connection SUSPENDED") || stop.equals("stop leadership lost"), stop);
        assertTrue(ms < 3000, "stopped after " + ms + " ms; the session (3000 ms) could have expired and another node won");

        zkServer.restart();
        assertEquals("lead 2", a.nextLead(), "leadership after a suspension is a new epoch");
    }

    @Test
    void epochsAreDistinctUnderConcurrentLeaders() throws Exception {
        CuratorFramework zk = client(3000);
        Epochs epochs = new Epochs(zk, PATHS);
        assertEquals(0, epochs.current());
        List<Thread> threads = new ArrayList<>();
        Set<Long> taken = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 8; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    for (int j = 0; j < 10; j++) assertTrue(taken.add(epochs.next()));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertEquals(80, taken.size());
        assertEquals(80, epochs.current());
    }

    /**
     * A standby out of sync wins the latch first (it joined first) but steps aside; the node in sync
     * leads. Once the out-of-sync node is named in the sync state, or forced by an administrator, it
     * may lead.
     */
    @Test
    void aNodeNotInSyncStepsAsideForOneThatIs() throws Exception {
        CuratorFramework zk = client(3000);
        Map<String, Set<String>> volumes = Map.of("ws01", Set.of("b"));
        new Epochs(zk, PATHS).next(); // a led in epoch 1
        new SyncState(1, "a", volumes).write(zk, PATHS);

        Recorder c = new Recorder();
        LeaderElection ec = gated(client(3000), "c", c);
        String first = c.events.poll(2500, TimeUnit.MILLISECONDS);
        assertTrue(first == null || first.startsWith("stop"), "c is not in sync and may not lead: " + first);
        assertTrue(c.events.stream().noneMatch(e -> e.startsWith("lead")));

        Recorder b = new Recorder();
        gated(client(3000), "b", b);
        assertEquals("lead 2", b.nextLead(), "b is in sync: it leads although c joined first");
        assertEquals(0, ec.servingEpoch());
    }

    @Test
    void anAdministratorCanLetANodeOutOfSyncLead() throws Exception {
        CuratorFramework zk = client(3000);
        for (int i = 0; i < 4; i++) new Epochs(zk, PATHS).next();
        new SyncState(4, "a", Map.of("ws01", Set.of())).write(zk, PATHS);
        SyncEligibility eligibility = new SyncEligibility(zk, PATHS, "c");
        assertTrue(eligibility.whyNot().orElseThrow().contains("not in sync for [ws01] with a (epoch 4)"));
        Recorder c = new Recorder();
        gated(client(3000), "c", c);
        assertTrue(c.events.poll(2500, TimeUnit.MILLISECONDS) == null || c.events.stream().noneMatch(e -> e.startsWith("lead")));

        ZNodes.write(zk, PATHS.forcedLeader(), "c");
        assertTrue(eligibility.whyNot().isEmpty());
        assertEquals("lead 5", c.nextLead(), "c joins again within a second or two and may lead now");
    }

    @Test
    void theSyncStateIsFencedByEpochAndReadAsWritten() throws Exception {
        CuratorFramework zk = client(3000);
        for (int i = 0; i < 3; i++) new Epochs(zk, PATHS).next();
        SyncState s3 = new SyncState(3, "b", Map.of("ws01", Set.of("a", "c"), "ws02", Set.of()));
        s3.write(zk, PATHS);
        assertEquals(Optional.of(s3), SyncState.read(zk, PATHS));
        assertTrue(s3.eligible("b"), "the leader it names");
        assertFalse(s3.eligible("a"), "in sync for ws01 only");
        assertEquals(Set.of("ws02"), s3.missing("a"));
        IOException late = Assertions.assertThrows(IOException.class,
                () -> new SyncState(2, "a", Map.of()).write(zk, PATHS));
        assertTrue(late.getMessage().contains("epoch 2 is over (the cluster is in epoch 3)"), late.getMessage());
        assertEquals(Optional.of(s3), SyncState.read(zk, PATHS), "a deposed leader's update did not land");
        assertEquals(s3, SyncState.decode(s3.encode()));
        Assertions.assertThrows(IOException.class, () -> SyncState.decode("leader x\nvolume"));
    }

    /** A node that cannot start serving (its port taken, say) for its first {@code failures} tries. */
    private static Recorder failing(int failures) {
        AtomicInteger left = new AtomicInteger(failures);
        return new Recorder() {
            @Override
            public void lead(long epoch) throws Exception {
                super.lead(epoch);
                if (left.getAndDecrement() > 0) throw new IOException("address already in use");
            }
        };
    }

    /**
     * A node whose start fails gives up leadership, so another node can serve; alone, it tries again,
     * waiting longer after each failure, and leads once it can.
     */
    @Test
    void aNodeThatFailsToStartServingTriesAgainLater() throws Exception {
        Recorder a = failing(2);
        LeaderElection ea = member(client(3000), "a", a);
        assertEquals("lead 1", a.nextLead());
        assertTrue(a.next().startsWith("stop failed to start serving"), "it undoes what it started");
        long t0 = System.nanoTime();
        assertEquals("lead 2", a.nextLead(), "alone, it tries again");
        assertEquals("lead 3", a.nextLead());
        long waited = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(waited >= 2500, "it waited 1 s, then 2 s: " + waited + " ms");
        assertEquals(3, ea.servingEpoch());

        ea.close();
        Recorder c = failing(Integer.MAX_VALUE);
        member(client(3000), "c", c);
        assertEquals("lead 4", c.nextLead());
        Recorder d = new Recorder();
        LeaderElection ed = member(client(3000), "d", d);
        String lead = d.nextLead();
        assertTrue(lead.startsWith("lead "), "a healthy node takes over from one that cannot serve: " + lead);
        assertEquals(Long.parseLong(lead.substring(5)), ed.servingEpoch());
    }

    private LeaderElection gated(CuratorFramework zk, String id, Recorder r) throws Exception {
        LeaderElection e = new LeaderElection(zk, PATHS, id, new SyncEligibility(zk, PATHS, id), r);
        e.start();
        closeLater.add(e);
        return e;
    }
}
