package org.icbd.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.icbd.failover.Checkpointer;
import org.icbd.failover.LogStore;
import org.icbd.failover.ReplicationReceiver;
import org.icbd.failover.WriteLog;
import org.icbd.storage.FileBlockDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A synchronously replicated device against a real standby receiver: many initiator threads write
 * overlapping ranges at once, and the standby's log, replayed, gives exactly the leader's bytes.
 */
class MirroredBlockDeviceTest {

    private static final byte[] SECRET = "a-cluster-secret-of-32-bytes!!!!".getBytes(StandardCharsets.US_ASCII);
    private static final int SIZE = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void overlappingConcurrentWritesReplayToTheLeadersBytes() throws Exception {
        Path image = tmp.resolve("disk.img");
        Files.write(image, new byte[SIZE]);
        try (ReplicationReceiver standby = new ReplicationReceiver("site1", SECRET, tmp.resolve("replicas"), tmp.resolve("writelog"),
                () -> 1, new InetSocketAddress("127.0.0.1", 0));
             WriteLog log = new WriteLog("site1", SECRET, 1, "a", Duration.ofSeconds(3), List.of("ws01"), inSync -> { });
             FileBlockDevice file = FileBlockDevice.openThinIfPossible(image, false, 512, null)) {
            MirroredBlockDevice device = new MirroredBlockDevice(file, "ws01", log, new SimpleMeterRegistry().timer("waits"));
            log.connect(List.of(new Checkpointer.Standby("b", standby.address())));
            log.marker("ws01", "ws01.1.1");
            List<Thread> initiators = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = t;
                initiators.add(Thread.ofVirtual().start(() -> {
                    Random random = new Random(seed);
                    try {
                        for (int i = 0; i < 300; i++) {
                            // all within 16 KiB: nearly every write overlaps another one in flight
                            byte[] data = new byte[512 * (1 + random.nextInt(8))];
                            random.nextBytes(data);
                            long offset = 512L * random.nextInt(32 - data.length / 512 + 1);
                            if (i % 50 == 49) device.unmap(offset, 4096);
                            else device.write(offset, ByteBuffer.wrap(data), i % 10 == 0);
                        }
                        byte[] big = new byte[600 << 10]; // more than one record holds: split
                        random.nextBytes(big);
                        device.write(256 << 10, ByteBuffer.wrap(big), false);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                }));
            }
            for (Thread t : initiators) t.join();
            device.flush();
            standby.leading(2);
        }
        byte[] replayed = new byte[SIZE];
        assertTrue(LogStore.replay(tmp.resolve("writelog"), "ws01", "ws01.1.1", new LogStore.Target() {
            @Override
            public void write(long offset, byte[] data) {
                System.arraycopy(data, 0, replayed, (int) offset, data.length);
            }

            @Override
            public void trim(long offset, long length) {
                Arrays.fill(replayed, (int) offset, (int) (offset + length), (byte) 0);
            }
        }).isPresent());
        assertArrayEquals(Files.readAllBytes(image), replayed);
    }
}
