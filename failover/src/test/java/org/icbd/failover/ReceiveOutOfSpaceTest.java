package org.icbd.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.icbd.btrfs.Btrfs;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A standby whose data root is full says so (once, and to its listener) and recovers when space is back: a real ENOSPC. */
class ReceiveOutOfSpaceTest {

    private static final byte[] SECRET = "a-cluster-secret-of-32-bytes!!!!".getBytes(StandardCharsets.US_ASCII);

    @RegisterExtension
    final LoopBtrfsExtension leader = new LoopBtrfsExtension(512L << 20);
    @RegisterExtension
    final LoopBtrfsExtension standby = new LoopBtrfsExtension(160L << 20);
    private final Btrfs btrfs = new Btrfs();

    @Test
    void aFullDataRootRaisesTheAlarmOnceAndASuccessfulReceiveClearsIt() throws Exception {
        Path vol = btrfs.createSubvolume(leader.fs().root().resolve("ws01")).path();
        byte[] block = new byte[1 << 20];
        Random random = new Random(5);
        try (OutputStream out = Files.newOutputStream(vol.resolve("disk.img"))) {
            for (int i = 0; i < 48; i++) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        Path c1 = btrfs.snapshot(vol, Files.createDirectories(leader.fs().root().resolve("checkpoints")).resolve("ws01.1.1"), true).path();
        Path filler = standby.fs().root().resolve("filler");
        try (OutputStream out = Files.newOutputStream(filler)) {
            // leave about 24 MiB: less than the checkpoint's 48
            long fill = Files.getFileStore(standby.fs().root()).getUsableSpace() - (24L << 20);
            for (long n = 0; n < fill; n += block.length) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        List<Optional<String>> told = new CopyOnWriteArrayList<>();
        try (ReplicationReceiver rx = new ReplicationReceiver("site1", SECRET, standby.fs().root().resolve("replicas"), () -> 1,
                new InetSocketAddress("127.0.0.1", 0))) {
            rx.space().listen(told::add);
            ReplicationSender tx = new ReplicationSender("site1", SECRET);
            for (int attempt = 0; attempt < 2; attempt++) {
                IOException e = assertThrows(IOException.class, () -> tx.send(rx.address(), 1, "ws01", c1, Optional.empty()));
                assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            }
            assertTrue(rx.space().problem().orElseThrow().contains("no space left"), rx.space().problem().toString());
            assertEquals(2, told.size(), "told once at start (no problem) and once when it began, not per failure: " + told);
            assertFalse(Files.exists(standby.fs().root().resolve("replicas/ws01/ws01.1.1")));

            Files.delete(filler);
            // the space of a deleted file is free once its transaction commits
            assertEquals(0, new ProcessBuilder("btrfs", "filesystem", "sync", standby.fs().root().toString()).inheritIO().start().waitFor());
            tx.send(rx.address(), 1, "ws01", c1, Optional.empty());
            assertEquals(Optional.empty(), rx.space().problem());
            assertEquals(Optional.empty(), told.get(told.size() - 1), "told it is over");
        }
    }
}
