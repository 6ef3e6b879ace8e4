package org.icbd.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog in a real ZooKeeper server (in this JVM, on a free port). */
class ZkCatalogTest {

    @TempDir
    Path dir;

    private TestingServer server;
    private final List<CuratorFramework> clients = new ArrayList<>();

    @BeforeEach
    void zookeeper() throws Exception {
        server = new TestingServer(InstanceSpec.getRandomPort(), true);
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(CuratorFramework::close);
        server.close();
    }

    private ZkCatalog catalog() {
        CuratorFramework c = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        c.start();
        clients.add(c);
        return new ZkCatalog(c, "/icbd/site1");
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
