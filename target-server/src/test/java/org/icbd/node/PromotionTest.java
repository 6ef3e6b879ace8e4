package org.icbd.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.icbd.btrfs.Btrfs;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A new leader's clones become the newest received checkpoint, on a real btrfs. */
class PromotionTest {

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(256L << 20);

    private final Btrfs fs = new Btrfs();
    private Path dataRoot;
    private WritableClone ws01;

    @BeforeEach
    void ownCopyAndAReceivedCheckpoint() throws IOException {
        dataRoot = btrfs.fs().root().resolve("data");
        Path subvolume = dataRoot.resolve("clones").resolve("ws01");
        Files.createDirectories(subvolume.getParent());
        fs.createSubvolume(subvolume);
        ws01 = new WritableClone("ws01", subvolume, subvolume.resolve("disk.img"), "iqn.2026-11.org.example:ws01", true);
        Files.write(ws01.disk(), filled(0x01)); // what this node wrote while it led in epoch 1
        new Promotion(dataRoot).served(List.of(ws01), 1);

        // epoch 2's leader sent a checkpoint: received subvolumes are read-only
        Path received = Files.createDirectories(dataRoot.resolve("replicas").resolve("ws01")).resolve("ws01.2.7");
        Path staging = btrfs.fs().root().resolve("staging");
        fs.createSubvolume(staging);
        Files.write(staging.resolve("disk.img"), filled(0x02));
        fs.snapshot(staging, received, true);
    }

    @Test
    void theOwnCopyIsKeptAsideAndTheCheckpointServed() throws IOException {
        Map<String, Promotion.Promoted> p = new Promotion(dataRoot).promote(List.of(ws01), 3);
        assertEquals("ws01.2.7", p.get("ws01").checkpoint());
        assertTrue(p.get("ws01").replayed().isEmpty(), "no write log here");
        assertArrayEquals(filled(0x02), Files.readAllBytes(ws01.disk()));
        assertFalse(fs.isReadOnly(ws01.subvolume()), "served read-write: a snapshot of the checkpoint, not the checkpoint");
        assertArrayEquals(filled(0x01), Files.readAllBytes(dataRoot.resolve("diverged/ws01.3/disk.img")), "divergent writes kept");
    }

    /**
     * A start that failed after promoting (the port taken, say) leaves a copy nobody served; the next
     * attempt replaces it instead of keeping it aside as this node's own writes.
     */
    @Test
    void aRetriedPromotionReplacesTheCopyOfTheFailedAttempt() throws IOException {
        Promotion promotion = new Promotion(dataRoot);
        promotion.promote(List.of(ws01), 3);
        Files.write(ws01.disk(), filled(0x03)); // whatever a failed attempt left

        Map<String, Promotion.Promoted> again = promotion.promote(List.of(ws01), 4);
        assertEquals("ws01.2.7", again.get("ws01").checkpoint(), "the next leader still needs to know where it came from");
        assertArrayEquals(filled(0x02), Files.readAllBytes(ws01.disk()));
        assertFalse(Files.exists(dataRoot.resolve("diverged/ws01.4")), "a never-served copy is not this node's own writes");
        assertTrue(Files.exists(dataRoot.resolve("diverged/ws01.3")), "the real own copy stays aside");

        promotion.served(List.of(ws01), 4);
        Files.write(ws01.disk(), filled(0x04));
        assertTrue(promotion.promote(List.of(ws01), 5).isEmpty(), "served in epoch 4: newer than the epoch 2 checkpoint");
        assertArrayEquals(filled(0x04), Files.readAllBytes(ws01.disk()));
    }

    private static byte[] filled(int b) {
        byte[] d = new byte[64 << 10];
        Arrays.fill(d, (byte) b);
        return d;
    }
}
