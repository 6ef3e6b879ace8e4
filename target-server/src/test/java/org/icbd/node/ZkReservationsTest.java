package org.icbd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.icbd.failover.ClusterPaths;
import org.icbd.failover.Epochs;
import org.icbd.scsi.Nexus;
import org.icbd.scsi.ReservationSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Persistent reservations carried from one leader to the next through a real ZooKeeper. */
class ZkReservationsTest {

    private static final ClusterPaths PATHS = new ClusterPaths("lab");
    private static final String IQN = "iqn.2026-11.org.example:Cluster-Disk";
    private static final Nexus A = new Nexus("iqn.2026-11.org.example:node-a", "400001370000", IQN, 1);
    private static final Nexus B = new Nexus("iqn.2026-11.org.example:node-b", "400001370001", IQN, 1);

    private TestingServer server;
    private CuratorFramework zk;

    @BeforeEach
    void zookeeper() throws Exception {
        server = new TestingServer(InstanceSpec.getRandomPort(), true);
        zk = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        zk.start();
    }

    @AfterEach
    void close() throws IOException {
        zk.close();
        server.close();
    }

    @Test
    void theNextLeaderReadsWhatTheLastSavedAndTheLastCanSaveNoMore() throws Exception {
        Epochs epochs = new Epochs(zk, PATHS);
        long first = epochs.next();
        ZkReservations leader = new ZkReservations(zk, PATHS, first);
        assertEquals(Optional.empty(), leader.load(IQN, 0), "nothing saved yet");
        ReservationSnapshot held = new ReservationSnapshot(7,
                List.of(new ReservationSnapshot.Registration(A, 0xAAAA), new ReservationSnapshot.Registration(B, 0xBBBB)),
                A, 5, null);
        leader.save(IQN, 0, held);
        leader.save(IQN, 1, ReservationSnapshot.empty());

        long second = epochs.next();
        ZkReservations next = new ZkReservations(zk, PATHS, second);
        assertEquals(Optional.of(held), next.load(IQN.toLowerCase(), 0), "iSCSI names compare without case");
        assertEquals(Optional.of(ReservationSnapshot.empty()), next.load(IQN, 1));
        assertEquals(Optional.empty(), next.load(IQN, 2));

        IOException late = assertThrows(IOException.class, () -> leader.save(IQN, 0, ReservationSnapshot.empty()));
        assertTrue(late.getMessage().contains("epoch " + first + " is over"), late.getMessage());
        assertEquals(Optional.of(held), next.load(IQN, 0), "a deposed leader's change did not land");
        ReservationSnapshot released = new ReservationSnapshot(7, held.registrations(), null, 0, null);
        next.save(IQN, 0, released);
        assertEquals(Optional.of(released), new ZkReservations(zk, PATHS, second).load(IQN, 0));
    }
}
