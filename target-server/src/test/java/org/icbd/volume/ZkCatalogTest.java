package org.icbd.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.icbd.failover.ClusterPaths;
import org.icbd.failover.Epochs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The catalog in a real ZooKeeper server (in this JVM, on a free port). */
class ZkCatalogTest {

    @TempDir
    Path dir;

    private TestingServer server;
    private final List<CuratorFramework> clients = new ArrayList<>();

    private static final ClusterPaths SITE = new ClusterPaths("site1");

    @BeforeEach
    void zookeeper() throws Exception {
        server = new TestingServer(InstanceSpec.getRandomPort(), true);
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(CuratorFramework::close);
        server.close();
    }

    private CuratorFramework client() {
        CuratorFramework c = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        c.start();
        clients.add(c);
        return c;
    }

    private ZkCatalog catalog() {
        return catalog(ZkCatalog.Fence.ANY_EPOCH);
    }

    private ZkCatalog catalog(ZkCatalog.Fence fence) {
        return new ZkCatalog(client(), SITE, fence);
    }

    private static CatalogState.Image image(String name) {
        return new CatalogState.Image(name, 0, "now");
    }

    /** A data root with image gold, version 1 published, its catalog {@code catalog}, disks elsewhere when {@code elsewhere} says so. */
    private VolumeManager dataRoot(String dirName, Catalog catalog, String elsewhere) throws Exception {
        VolumeLayout layout = new VolumeLayout(dir.resolve(dirName));
        VolumeManager.open(layout.root());
        return new VolumeManager(layout, VolumeFileSystem.forRoot(layout.root()), catalog,
                () -> Optional.ofNullable(elsewhere));
    }

    private VolumeManager leaderWithGold(ZkCatalog.Fence fence) throws Exception {
        VolumeManager m = dataRoot("leader", catalog(fence), null);
        Path src = dir.resolve("gold.img");
        try (RandomAccessFile f = new RandomAccessFile(src.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        m.importImage(new VolumeName("gold"), src, d -> { });
        m.publish(new VolumeName("gold"));
        return m;
    }

    private static CatalogState.Workstation workstation(String name, String mac) {
        return new CatalogState.Workstation(name, List.of(mac), "gold", 0, DiskMode.PERSISTENT,
                "iqn.2026-11.org.icbd.workstation:" + name, name, "0123456789abcdef", "now");
    }

    @Test
    void aDeposedLeaderChangesNothingAndItsDiskIsUndone() throws Exception {
        Epochs epochs = new Epochs(client(), SITE);
        long mine = epochs.next();
        VolumeManager leader = leaderWithGold(ZkCatalog.Fence.leaderOf(mine));
        epochs.next(); // another node was elected

        VolumeException refused = assertThrows(VolumeException.class,
                () -> leader.createClone(new VolumeName("gold"), 1, new VolumeName("ws01")));
        assertTrue(refused.getMessage().contains("no longer leads"), refused.getMessage());
        assertFalse(Files.exists(leader.layout().clone(new VolumeName("ws01"))), "its clone was not left behind");
        assertTrue(catalog().read().clones().isEmpty());
    }

    @Test
    void aChangeDuringWhichANewLeaderWasElectedIsNotStoredAndIsUndone() throws Exception {
        Epochs epochs = new Epochs(client(), SITE);
        epochs.next();
        ZkCatalog cli = catalog();
        AtomicBoolean undone = new AtomicBoolean();
        VolumeException refused = assertThrows(VolumeException.class, () -> cli.transact(s -> {
            try {
                epochs.next(); // elected while this change was being made
            } catch (Exception e) {
                throw new IOException(e);
            }
            return Catalog.Outcome.undoable(s.with(image("late")), null, () -> undone.set(true));
        }));
        assertTrue(refused.getMessage().contains("leader changed"), refused.getMessage());
        assertTrue(undone.get(), "the change's file-system work is undone");
        assertTrue(catalog().read().images().isEmpty());
        cli.transact(s -> Catalog.Outcome.of(s.with(image("now")), null));
        assertEquals(Set.of("now"), catalog().read().images().keySet(), "within one epoch it is stored");
    }

    @Test
    void seedingWhileTheFirstLeaderIsElectedSucceedsOnceTheEpochIsNew() throws Exception {
        Epochs epochs = new Epochs(client(), SITE);
        AtomicBoolean electedMeanwhile = new AtomicBoolean();
        ZkCatalog starting = catalog(current -> {
            if (electedMeanwhile.compareAndSet(false, true)) {
                try {
                    epochs.next(); // the node's own election, won while its admin API seeds the catalog
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        starting.seed(CatalogState.empty().with(image("gold")));
        assertTrue(electedMeanwhile.get());
        assertEquals(Set.of("gold"), catalog().read().images().keySet(), "seeded in the new epoch");
        catalog().seed(CatalogState.empty().with(image("other")));
        assertEquals(Set.of("gold"), catalog().read().images().keySet(), "a catalog once made is never seeded over");
    }

    @Test
    void aWorkstationAddedWhereTheDisksAreNotGetsItsDiskFromTheLeader() throws Exception {
        long epoch = new Epochs(client(), SITE).next();
        VolumeManager leader = leaderWithGold(ZkCatalog.Fence.leaderOf(epoch));
        VolumeManager standby = dataRoot("standby", catalog(), "node a leads");

        standby.addWorkstation(workstation("ws02", "52:54:00:00:00:02"));
        CatalogState seen = leader.state();
        assertTrue(seen.workstations().containsKey("ws02"), "the leader sees the workstation");
        assertFalse(seen.clones().containsKey("ws02"), "no disk was made on the standby");
        assertFalse(Files.exists(standby.layout().clone(new VolumeName("ws02"))));
        VolumeException taken = assertThrows(VolumeException.class, () -> standby.addWorkstation(workstation("ws03", "52:54:00:00:00:02")));
        assertTrue(taken.getMessage().contains("already workstation ws02"), taken.getMessage());

        CatalogState.Clone disk = leader.makeWorkstationDisk(new VolumeName("ws02")).orElseThrow();
        assertEquals(1, disk.version());
        assertTrue(Files.exists(VolumeLayout.disk(leader.layout().clone(new VolumeName("ws02")))));
        assertEquals(disk, standby.state().clones().get("ws02"), "every node sees its disk");
        assertTrue(leader.makeWorkstationDisk(new VolumeName("ws02")).isEmpty(), "made once");

        // what changes the disks the leader serves is refused where they are not, naming why
        for (Executable onDisks : List.<Executable>of(
                () -> standby.resetClone(new VolumeName("ws02"), 0),
                () -> standby.createClone(new VolumeName("gold"), 1, new VolumeName("c1")),
                () -> standby.publish(new VolumeName("gold")),
                () -> standby.importImage(new VolumeName("other"), dir.resolve("gold.img"), d -> { }))) {
            VolumeException e = assertThrows(VolumeException.class, onDisks);
            assertTrue(e.getMessage().contains("node a leads"), e.getMessage());
        }
        assertEquals(1, leader.state().images().get("gold").versions(), "nothing changed");
        assertEquals(Set.of("ws02"), leader.state().clones().keySet());
    }

    @Test
    void volumesRecordedByOneNodeAreSeenByAnother() throws Exception {
        VolumeLayout layout = new VolumeLayout(dir.resolve("data"));
        VolumeManager.open(layout.root()); // the directories
        VolumeManager node1 = new VolumeManager(layout, VolumeFileSystem.forRoot(layout.root()), catalog());
        Path src = dir.resolve("src.img");
        try (RandomAccessFile f = new RandomAccessFile(src.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        VolumeName gold = new VolumeName("gold");
        node1.importImage(gold, src, d -> { });
        node1.publish(gold);
        CatalogState.Clone ws = node1.createClone(gold, 1, new VolumeName("ws01"));

        CatalogState seen = catalog().read();
        assertEquals(1, seen.images().get("gold").versions());
        assertEquals(ws, seen.clones().get("ws01"));
    }

    @Test
    void concurrentTransactionsFromSeveralClientsNeverLoseAnUpdate() throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            ZkCatalog mine = catalog();
            int me = t;
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 10; i++) {
                    String name = "img-" + me + "-" + i;
                    try {
                        mine.transact(s -> Catalog.Outcome.of(s.with(new CatalogState.Image(name, 0, "now")), null));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertEquals(40, catalog().read().images().size());
    }

    @Test
    void aFailedTransactionStoresNothing() throws Exception {
        ZkCatalog c = catalog();
        c.transact(s -> Catalog.Outcome.of(s.with(new CatalogState.Image("a", 0, "now")), null));
        assertThrows(VolumeException.class, () -> c.transact(s -> {
            throw new VolumeException(VolumeException.Kind.CONFLICT, "no");
        }));
        assertEquals(1, c.read().images().size());
        assertTrue(c.read().clones().isEmpty());
    }
}
