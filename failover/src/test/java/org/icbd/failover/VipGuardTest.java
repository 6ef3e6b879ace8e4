package org.icbd.failover;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The VIP guard ends the leader's ZooKeeper session (a real server, curator-test) when it gives up on
 * the JVM, so the next leader need not wait out the session timeout; a clean release leaves it. The
 * address itself is on an interface that does not exist here (removing it is VirtualIpTest's part).
 */
class VipGuardTest {

    private static final Duration LONG_SESSION = Duration.ofSeconds(20);

    private TestingServer server;
    private CuratorFramework leader;
    private CuratorFramework observer;

    @BeforeEach
    void zookeeper() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "the guard is a bash script");
        server = new TestingServer(new InstanceSpec(null, InstanceSpec.getRandomPort(), -1, -1, true, -1, 1000, 100), true);
        leader = client();
        observer = client();
        leader.create().withMode(CreateMode.EPHEMERAL).forPath("/leader");
    }

    @AfterEach
    void close() throws Exception {
        if (observer != null) observer.close();
        if (leader != null) leader.close();
        if (server != null) server.close();
    }

    private CuratorFramework client() throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(server.getConnectString())
                .sessionTimeoutMs((int) LONG_SESSION.toMillis()).retryPolicy(new RetryOneTime(100)).build();
        c.start();
        assertTrue(c.blockUntilConnected(20, TimeUnit.SECONDS));
        return c;
    }

    private ZooKeeperSession session() throws Exception {
        ZooKeeper zk = leader.getZookeeperClient().getZooKeeper();
        return new ZooKeeperSession(zk.getSessionId(), zk.getSessionPasswd(), server.getConnectString());
    }

    @Test
    void aGuardThatHearsNothingEndsTheLeadersSessionAtOnce() throws Exception {
        VipGuard guard = VipGuard.start(List.of(), "10.77.0.99/24", "icbdnone0", Duration.ofMillis(500));
        guard.endOnDeath(session());
        long t0 = System.nanoTime();
        while (observer.checkExists().forPath("/leader") != null) {
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "the leader's ephemeral node outlived its guard by 10 s");
            Thread.sleep(50);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < LONG_SESSION.toMillis() / 2, "ended by the guard after " + ms + " ms, not by the session timeout");
    }

    @Test
    void aCleanReleaseLeavesTheSession() throws Exception {
        VipGuard guard = VipGuard.start(List.of(), "10.77.0.99/24", "icbdnone0", Duration.ofSeconds(30));
        guard.endOnDeath(session());
        guard.beat();
        guard.stop();
        Thread.sleep(1500);
        assertNotNull(observer.checkExists().forPath("/leader"), "the session lives on after a release");
    }
}
