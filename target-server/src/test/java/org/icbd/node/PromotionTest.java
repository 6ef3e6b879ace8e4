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
import java.util.Optional;
import java.util.Set;
import java.time.Duration;
import org.icbd.btrfs.SendStream;
import org.icbd.config.ClusterSettings;
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

        // epoch 2's leader sent a checkpoint: received subvolumes are read-only, with a received uuid
        Path replicas = Files.createDirectories(dataRoot.resolve("replicas").resolve("ws01"));
        Path staging = btrfs.fs().root().resolve("staging");
        fs.createSubvolume(staging);
        Files.write(staging.resolve("disk.img"), filled(0x02));
        Path sent = fs.snapshot(staging, Files.createDirectories(btrfs.fs().root().resolve("sent")).resolve("ws01.2.7"), true).path();
        try (SendStream s = fs.send(sent, Optional.empty(), List.of())) {
            fs.receive(s.stream(), replicas);
            s.awaitSuccess();
        }
    }

    /** Promotes as a new leader does, without ZooKeeper: no hand-over record, this node in sync. */
    private Set<String> promote(Promotion promotion, long epoch) throws IOException {
        return promotion.carryOut(TakeoverPlan.decide(promotion.facts(List.of(ws01), Map.of()), false), List.of(ws01), epoch);
    }

    @Test
    void theOwnCopyIsKeptAsideAndTheCheckpointServed() throws IOException {
        Set<String> held = promote(new Promotion(dataRoot), 3);
        assertEquals(Set.of(ws01.targetIqn()), held, "no write log here: writes after the checkpoint may be missing");
        assertArrayEquals(filled(0x02), Files.readAllBytes(ws01.disk()));
        assertFalse(fs.isReadOnly(ws01.subvolume()), "served read-write: a snapshot of the checkpoint, not the checkpoint");
        List<DivergedCopies.Copy> aside = new DivergedCopies(dataRoot).list();
        assertEquals(1, aside.size());
        assertEquals(3, aside.get(0).epoch());
        assertArrayEquals(filled(0x01), Files.readAllBytes(aside.get(0).path().resolve("disk.img")), "divergent writes kept");
    }

    /** A subvolume under a checkpoint's name that btrfs receive did not finish (writable) is never promoted. */
    @Test
    void anUnfinishedCheckpointIsNotPromoted() throws IOException {
        Path unfinished = fs.createSubvolume(dataRoot.resolve("replicas/ws01/ws01.2.8")).path();
        Files.write(unfinished.resolve("disk.img"), filled(0x09));
        Promotion promotion = new Promotion(dataRoot);
        TakeoverPlan plan = TakeoverPlan.decide(promotion.facts(List.of(ws01), Map.of()), false);
        assertEquals(Optional.of("ws01.2.7"), plan.steps().get(0).checkpoint());
        promotion.carryOut(plan, List.of(ws01), 3);
        assertArrayEquals(filled(0x02), Files.readAllBytes(ws01.disk()));
    }

    /** Every failover keeps a copy aside; cluster.replication.diverged-keep bounds how many stay. */
    @Test
    void divergedCopiesAreBoundedByTheirCount() throws IOException {
        Promotion promotion = new Promotion(dataRoot, new ClusterSettings.Diverged(1, Duration.ofDays(7)));
        for (long epoch = 3; epoch <= 5; epoch++) {
            promote(promotion, epoch);
            // served, then deposed again: recorded as last served in epoch 1, so the epoch 2 checkpoint is newer again
            promotion.served(List.of(ws01), 1);
        }
        List<DivergedCopies.Copy> left = new DivergedCopies(dataRoot).list();
        assertEquals(List.of(5L), left.stream().map(DivergedCopies.Copy::epoch).toList(), "only the newest is kept");
    }

    /**
     * A start that failed after promoting (the port taken, say) leaves a copy nobody served; the next
     * attempt replaces it instead of keeping it aside as this node's own writes.
     */
    @Test
    void aRetriedPromotionReplacesTheCopyOfTheFailedAttempt() throws IOException {
        Promotion promotion = new Promotion(dataRoot);
        promote(promotion, 3);
        Files.write(ws01.disk(), filled(0x03)); // whatever a failed attempt left

        promote(promotion, 4);
        assertArrayEquals(filled(0x02), Files.readAllBytes(ws01.disk()));
        assertEquals(List.of(3L), new DivergedCopies(dataRoot).list().stream().map(DivergedCopies.Copy::epoch).toList(),
                "a never-served copy is not this node's own writes; the real own copy stays aside");

        promotion.served(List.of(ws01), 4);
        Files.write(ws01.disk(), filled(0x04));
        TakeoverPlan plan = TakeoverPlan.decide(promotion.facts(List.of(ws01), Map.of()), false);
        assertEquals(Optional.empty(), plan.steps().get(0).checkpoint(), "served in epoch 4: newer than the epoch 2 checkpoint");
        promotion.carryOut(plan, List.of(ws01), 5);
        assertArrayEquals(filled(0x04), Files.readAllBytes(ws01.disk()));
    }

    private static byte[] filled(int b) {
        byte[] d = new byte[64 << 10];
        Arrays.fill(d, (byte) b);
        return d;
    }
}
