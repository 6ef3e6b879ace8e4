package org.icbd.failover;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.icbd.btrfs.Btrfs;
import org.icbd.btrfs.LoopBtrfs;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Checkpoints of a volume shipped to a standby on another btrfs, progress kept in a real ZooKeeper. */
@ExtendWith(LoopBtrfsExtension.class)
class CheckpointerTest {

    private static final byte[] SECRET = "another-cluster-secret-32-bytes!".getBytes(StandardCharsets.US_ASCII);
    private final Btrfs btrfs = new Btrfs();

    /** A volume whose pauses are counted (the target's QuiescingBlockDevice does the real draining). */
    record Volume(String name, Path subvolume, AtomicInteger pauses) implements CheckpointSource {
        @Override
        public Pause quiesce(Duration timeout) {
            pauses.incrementAndGet();
            return () -> { };
        }
    }

    @Test
    void checkpointsGoFullThenIncrementalAreAckedInZooKeeperAndPruned(LoopBtrfs leader, LoopBtrfs standby) throws Exception {
        try (TestingServer zkServer = new TestingServer(InstanceSpec.getRandomPort(), true);
             CuratorFramework zk = CuratorFrameworkFactory.newClient(zkServer.getConnectString(), new RetryOneTime(100))) {
            zk.start();
            ClusterPaths paths = new ClusterPaths("site1");
            ReplicationProgress progress = new ReplicationProgress(zk, paths);
            Path vol = btrfs.createSubvolume(leader.root().resolve("ws01")).path();
            byte[] disk = new byte[4 << 20];
            new Random(1).nextBytes(disk);
            Files.write(vol.resolve("disk.img"), disk);
            Volume v = new Volume("ws01", vol, new AtomicInteger());

            try (ReplicationReceiver rx = new ReplicationReceiver("site1", SECRET, standby.root().resolve("replicas"), () -> 1,
                    new InetSocketAddress("127.0.0.1", 0))) {
                Checkpointer cp = new Checkpointer(leader.root().resolve("checkpoints"), new ReplicationSender("site1", SECRET),
                        progress, List.of(new Checkpointer.Standby("node2", rx.address())));

                Checkpointer.Result first = cp.checkpoint(v, 1);
                assertEquals(Map.of("node2", "full"), first.standbys());
                assertTrue(first.pause().compareTo(Duration.ofSeconds(1)) < 0, "writes were held " + first.pause());

                overwrite(vol.resolve("disk.img"), disk, 1 << 20, 2);
                Checkpointer.Result second = cp.checkpoint(v, 1);
                assertEquals(Map.of("node2", "incremental on ws01.1.1"), second.standbys());
                assertEquals(Optional.of("ws01.1.2"), progress.acked("node2", "ws01"));
                assertArrayEquals(disk, Files.readAllBytes(standby.root().resolve("replicas/ws01/ws01.1.2/disk.img")));
                assertEquals(List.of("ws01.1.2"), names(leader.root().resolve("checkpoints/ws01")), "older checkpoints pruned");
                assertEquals(List.of("ws01.1.2"), names(standby.root().resolve("replicas/ws01")), "the standby keeps the newest only");

                // the standby lost its copy (a rebuilt node): the incremental send is refused, a full one follows
                btrfs.deleteSubvolume(standby.root().resolve("replicas/ws01/ws01.1.2"));
                overwrite(vol.resolve("disk.img"), disk, 2 << 20, 3);
                Checkpointer.Result third = cp.checkpoint(v, 2);
                assertEquals(Map.of("node2", "full"), third.standbys());
                assertArrayEquals(disk, Files.readAllBytes(standby.root().resolve("replicas/ws01/ws01.2.3/disk.img")));
                assertEquals(3, v.pauses().get());
                System.out.printf("writes held per checkpoint (snapshot inside the pause): %d, %d, %d us%n",
                        first.pause().toNanos() / 1000, second.pause().toNanos() / 1000, third.pause().toNanos() / 1000);
            }
        }
    }

    /**
     * A standby that cannot be reached costs one attempt per round, not one per volume: cut off (a
     * connect timeout each) it would make a round of hundreds of clones, a clean stop's final one above
     * all, take hours. The standby that is up gets every volume.
     */
    @Test
    void aStandbyThatCannotBeReachedIsTriedOncePerRound(LoopBtrfs leader, LoopBtrfs standby) throws Exception {
        try (TestingServer zkServer = new TestingServer(InstanceSpec.getRandomPort(), true);
             CuratorFramework zk = CuratorFrameworkFactory.newClient(zkServer.getConnectString(), new RetryOneTime(100))) {
            zk.start();
            ReplicationProgress progress = new ReplicationProgress(zk, new ClusterPaths("site1"));
            InetSocketAddress gone;
            try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                gone = (InetSocketAddress) closed.getLocalSocketAddress();
            }
            try (ReplicationReceiver rx = new ReplicationReceiver("site1", SECRET, standby.root().resolve("replicas"), () -> 1,
                    new InetSocketAddress("127.0.0.1", 0))) {
                Checkpointer round = new Checkpointer(leader.root().resolve("checkpoints"), new ReplicationSender("site1", SECRET),
                        progress, List.of(new Checkpointer.Standby("up", rx.address()), new Checkpointer.Standby("gone", gone)));
                Map<String, String> first = round.checkpoint(volume(leader, "ws01"), 1).standbys();
                Map<String, String> second = round.checkpoint(volume(leader, "ws02"), 1).standbys();
                assertEquals("full", first.get("up"));
                assertEquals("full", second.get("up"));
                assertTrue(first.get("gone").startsWith("failed: ") && first.get("gone").contains("refused"), first.toString());
                assertEquals("failed: unreachable earlier in this round", second.get("gone"));
                assertTrue(Files.exists(standby.root().resolve("replicas/ws02/ws02.1.1/disk.img")));
            }
        }
    }

    private Volume volume(LoopBtrfs fs, String name) throws IOException {
        Path vol = btrfs.createSubvolume(fs.root().resolve(name)).path();
        byte[] disk = new byte[1 << 20];
        new Random(name.hashCode()).nextBytes(disk);
        Files.write(vol.resolve("disk.img"), disk);
        return new Volume(name, vol, new AtomicInteger());
    }

    private static void overwrite(Path file, byte[] model, int offset, long seed) throws IOException {
        byte[] data = new byte[1 << 20];
        new Random(seed).nextBytes(data);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), offset);
        }
        System.arraycopy(data, 0, model, offset, data.length);
    }

    private static List<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
