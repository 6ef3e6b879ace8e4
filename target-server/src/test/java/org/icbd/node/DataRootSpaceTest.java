package org.icbd.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.icbd.config.ClusterSettings;
import org.icbd.failover.ClusterPaths;
import org.junit.jupiter.api.Test;

/** A standby that cannot receive for lack of space is shown by 'icbd replication status' until it can again (real ZooKeeper). */
class DataRootSpaceTest {

    @Test
    void replicationStatusShowsAStandbyThatCannotReceive() throws Exception {
        try (TestingServer server = new TestingServer(InstanceSpec.getRandomPort(), true);
             CuratorFramework zk = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
            zk.start();
            ClusterPaths paths = new ClusterPaths("lab");
            ClusterSettings lab = new ClusterSettings("lab", "a", server.getConnectString(), Duration.ofSeconds(3), "10.0.0.100/24",
                    "eth0", Optional.empty());
            assertFalse(ClusterAdmin.status(lab).contains("CANNOT RECEIVE"));
            DataRootSpace.record(zk, paths, "b", Optional.of("cannot receive: no space left in /var/lib/icbd"));
            String full = ClusterAdmin.status(lab);
            assertTrue(full.contains("standby b CANNOT RECEIVE: cannot receive: no space left in /var/lib/icbd (since "), full);
            DataRootSpace.record(zk, paths, "b", Optional.empty());
            assertFalse(ClusterAdmin.status(lab).contains("CANNOT RECEIVE"), "cleared once it receives again");
        }
    }
}
