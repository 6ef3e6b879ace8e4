package org.icbd.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import org.icbd.btrfs.Btrfs;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.icbd.btrfs.HolePuncher;
import org.icbd.failover.CheckpointName;
import org.icbd.failover.LogStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a new leader's writable volumes the newest state the cluster replicated. For each writable
 * clone: when a checkpoint received from another leader ({@code replicas/<name>/<name>.<epoch>.<seq>})
 * is newer than the epoch this node last served the clone in, the local clone (if any: writes this
 * node took before it was deposed, never replicated) is kept aside read-only in
 * {@code diverged/<name>.<epoch>} and a writable snapshot of the checkpoint becomes the clone. A
 * received subvolume is never made writable itself: that would break the next incremental receive.
 */
final class Promotion {

    private static final Logger log = LoggerFactory.getLogger(Promotion.class);

    private final Btrfs btrfs = new Btrfs();
    private final Path dataRoot;

    Promotion(Path dataRoot) {
        this.dataRoot = dataRoot;
    }

    /**
     * A clone made from a received checkpoint: the checkpoint's name, and what of the write log kept
     * here was replayed onto it (empty when this node's log does not start at that checkpoint).
     */
    record Promoted(String checkpoint, Optional<LogStore.Replayed> replayed) {
    }

    /** Promotes what needs it; returns the clones now served from a checkpoint. */
    Map<String, Promoted> promote(List<WritableClone> clones, long epoch) throws IOException {
        Map<String, Promoted> promoted = new HashMap<>();
        for (WritableClone c : clones) {
            Optional<Path> newest = CheckpointName.newest(dataRoot.resolve("replicas").resolve(c.name()), c.name());
            if (newest.isEmpty()) continue;
            long from = CheckpointName.parse(c.name(), newest.get().getFileName().toString()).orElseThrow()[0];
            boolean local = Files.exists(c.subvolume());
            long served = lastServed(c.name());
            if (local && from <= served) continue; // what this node has is newer
            Path attempt = promoting(c.name());
            if (local && Files.exists(attempt)) {
                // made by an earlier attempt to lead that failed before serving it: nothing of it is this node's own
                btrfs.deleteSubvolume(c.subvolume());
                local = false;
            }
            if (local) {
                Path aside = Files.createDirectories(dataRoot.resolve("diverged")).resolve(c.name() + "." + epoch);
                btrfs.snapshot(c.subvolume(), aside, true);
                btrfs.deleteSubvolume(c.subvolume());
                log.warn("clone {}: this node's own copy (last served in epoch {}) is kept aside in {}; it is not served",
                        c.name(), served, aside);
            }
            String checkpoint = newest.get().getFileName().toString();
            Files.createDirectories(attempt.getParent());
            Files.writeString(attempt, checkpoint);
            btrfs.snapshot(newest.get(), c.subvolume(), false);
            Optional<LogStore.Replayed> replayed = replay(c, checkpoint);
            promoted.put(c.name(), new Promoted(checkpoint, replayed));
            if (replayed.isPresent()) {
                log.info("clone {} promoted from checkpoint {} (epoch {}) plus the write log after it: {} record(s), {} bytes"
                        + " in {} segment(s)", c.name(), checkpoint, from, replayed.get().records(), replayed.get().bytes(),
                        replayed.get().segments());
            } else {
                log.warn("clone {} promoted from checkpoint {} (epoch {}): no write log after it here; writes after that"
                        + " checkpoint are not here", c.name(), checkpoint, from);
            }
        }
        return promoted;
    }

    /** Applies this node's write log after {@code checkpoint} to the clone's image, and makes it durable. */
    private Optional<LogStore.Replayed> replay(WritableClone c, String checkpoint) throws IOException {
        try (FileChannel image = FileChannel.open(c.disk(), StandardOpenOption.WRITE);
             HolePuncher puncher = HolePuncher.open(c.disk())) {
            Optional<LogStore.Replayed> r = LogStore.replay(logs(), c.name(), checkpoint, new LogStore.Target() {
                @Override
                public void write(long offset, byte[] data) throws IOException {
                    ByteBuffer b = ByteBuffer.wrap(data);
                    while (b.hasRemaining()) image.write(b, offset + b.position());
                }

                @Override
                public void trim(long offset, long length) throws IOException {
                    puncher.punch(offset, length);
                }
            });
            image.force(true);
            return r;
        }
    }

    /** Where this node kept the write log it followed as a standby. */
    Path logs() {
        return dataRoot.resolve("writelog");
    }

    /** Drops the write log kept for {@code clones}: this node serves them now, the log is history. */
    void discardLogs(List<WritableClone> clones) {
        for (WritableClone c : clones) {
            try {
                LogStore.discard(logs(), c.name());
            } catch (IOException e) {
                log.warn("could not delete the write log of {}: {}", c.name(), e.getMessage());
            }
        }
    }

    /** Records that this node serves {@code clones} in {@code epoch}: their promoted copies are its own now. */
    void served(List<WritableClone> clones, long epoch) throws IOException {
        Path dir = Files.createDirectories(dataRoot.resolve("cluster").resolve("served"));
        for (WritableClone c : clones) {
            Path tmp = dir.resolve(c.name() + ".tmp");
            Files.writeString(tmp, Long.toString(epoch));
            Files.move(tmp, dir.resolve(c.name()), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.deleteIfExists(promoting(c.name()));
        }
    }

    /** Present while a clone promoted from a checkpoint has not been served yet. */
    private Path promoting(String name) {
        return dataRoot.resolve("cluster").resolve("promoted").resolve(name);
    }

    private long lastServed(String name) throws IOException {
        Path f = dataRoot.resolve("cluster").resolve("served").resolve(name);
        if (!Files.exists(f)) return 0;
        return Long.parseLong(Files.readString(f, StandardCharsets.UTF_8).strip());
    }
}
