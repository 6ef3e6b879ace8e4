package org.icbd.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.icbd.btrfs.Btrfs;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.icbd.btrfs.HolePuncher;
import org.icbd.config.ClusterSettings;
import org.icbd.failover.CheckpointName;
import org.icbd.failover.ReceivedCheckpoints;
import org.icbd.failover.LogStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a new leader's {@link TakeoverPlan} for its writable clones. For a clone promoted from a
 * checkpoint received from another leader ({@code replicas/<name>/<name>.<epoch>.<seq>}), the local
 * clone (if any: writes this node took before it was deposed, never replicated) is kept aside read-only
 * in {@code diverged/} ({@link DivergedCopies}), and a writable snapshot of the checkpoint, with the
 * write log kept after it replayed, becomes the clone. A received subvolume is never made writable
 * itself: that would break the next incremental receive.
 */
final class Promotion {

    private static final Logger log = LoggerFactory.getLogger(Promotion.class);

    private final Btrfs btrfs = new Btrfs();
    private final Path dataRoot;
    private final DivergedCopies diverged;
    private final ClusterSettings.Diverged keep;

    Promotion(Path dataRoot) {
        this(dataRoot, ClusterSettings.Diverged.DEFAULT);
    }

    Promotion(Path dataRoot, ClusterSettings.Diverged keep) {
        this.dataRoot = dataRoot;
        this.diverged = new DivergedCopies(dataRoot);
        this.keep = keep;
    }

    /** What this node finds of each clone; {@code handovers}: per clone, the checkpoint a clean hand-over recorded. */
    List<TakeoverPlan.Facts> facts(List<WritableClone> clones, Map<String, String> handovers) throws IOException {
        List<TakeoverPlan.Facts> out = new ArrayList<>();
        for (WritableClone c : clones) {
            List<TakeoverPlan.Checkpoint> received = new ArrayList<>();
            Path dir = dataRoot.resolve("replicas").resolve(c.name());
            if (Files.isDirectory(dir)) {
                try (var s = Files.list(dir)) {
                    for (Path p : s.toList()) {
                        Optional<long[]> n = CheckpointName.parse(c.name(), p.getFileName().toString());
                        if (n.isPresent()) {
                            received.add(new TakeoverPlan.Checkpoint(p.getFileName().toString(), n.get()[0], n.get()[1],
                                    ReceivedCheckpoints.complete(p)));
                        }
                    }
                }
            }
            boolean own = Files.exists(c.subvolume());
            out.add(new TakeoverPlan.Facts(c.name(), c.targetIqn(), c.sync(), own, lastServed(c.name()),
                    own && Files.exists(promoting(c.name())), received, LogStore.segmentStarts(logs(), c.name()),
                    Optional.ofNullable(handovers.get(c.name()))));
        }
        return out;
    }

    /**
     * Promotes what {@code plan} says to; returns the targets to hold (those the plan holds, and any whose
     * log turned out not to replay after all).
     */
    Set<String> carryOut(TakeoverPlan plan, List<WritableClone> clones, long epoch) throws IOException {
        Map<String, WritableClone> byName = new HashMap<>();
        for (WritableClone c : clones) byName.put(c.name(), c);
        Set<String> held = new TreeSet<>();
        for (TakeoverPlan.Step step : plan.steps()) {
            if (step.hold()) held.add(step.target());
            if (step.checkpoint().isEmpty()) continue;
            WritableClone c = byName.get(step.volume());
            String checkpoint = step.checkpoint().get();
            if (Files.exists(c.subvolume())) {
                if (step.keepAside()) {
                    Path aside = diverged.keep(c.subvolume(), c.name(), epoch, Instant.now());
                    log.warn("clone {}: this node's own copy (last served in epoch {}) is kept aside in {}; it is not served",
                            c.name(), lastServed(c.name()), aside);
                }
                // otherwise made by an earlier attempt to lead that failed before serving it: nothing of it is this node's own
                btrfs.deleteSubvolume(c.subvolume());
            }
            Path attempt = promoting(c.name());
            Files.createDirectories(attempt.getParent());
            Files.writeString(attempt, checkpoint);
            Files.createDirectories(c.subvolume().getParent()); // an image's directory, for a work copy this node never had
            btrfs.snapshot(dataRoot.resolve("replicas").resolve(c.name()).resolve(checkpoint), c.subvolume(), false);
            Optional<LogStore.Replayed> replayed = step.replay() ? replay(c, checkpoint) : Optional.empty();
            if (step.replay() && replayed.isEmpty()) held.add(step.target()); // the plan counted on it
            if (replayed.isPresent()) {
                log.info("clone {} promoted from checkpoint {} plus the write log after it: {} record(s), {} bytes in {}"
                        + " segment(s); {}", c.name(), checkpoint, replayed.get().records(), replayed.get().bytes(),
                        replayed.get().segments(), step.why());
            } else if (step.hold()) {
                log.warn("clone {} promoted from checkpoint {}, held: {}", c.name(), checkpoint, step.why());
            } else {
                log.info("clone {} promoted from checkpoint {}: {}", c.name(), checkpoint, step.why());
            }
        }
        for (DivergedCopies.Copy gone : diverged.prune(keep, Instant.now())) {
            log.info("deleted diverged copy {} (cluster.replication.diverged-keep {}, diverged-max-age {})", gone.name(),
                    keep.keep(), keep.maxAge());
        }
        return held;
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
            Files.move(tmp, dir.resolve(c.name()), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
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
