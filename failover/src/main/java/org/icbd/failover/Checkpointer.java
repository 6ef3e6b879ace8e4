package org.icbd.failover;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.icbd.btrfs.Btrfs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one replication checkpoint of a volume and ships it: pause the volume's writes, take a
 * read-only snapshot ({@code <dir>/<volume>/<volume>.<epoch>.<seq>}), resume, then send it to every
 * standby incrementally against the checkpoint that standby last acknowledged (a full send when it
 * has none, or when the incremental one is refused), record the acknowledgement, and delete local
 * checkpoints no standby needs as a base any more. One instance serves one round of checkpoints: a
 * standby it could not reach is not tried again for the round's other volumes.
 */
public final class Checkpointer {

    private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

    /** A standby: its node id (for the progress record) and replication address. */
    public record Standby(String node, InetSocketAddress address) {
    }

    /** What one checkpoint did: its name, how long writes were held, and per standby the outcome. */
    public record Result(String snapshot, Duration pause, Map<String, String> standbys) {
    }

    private final Btrfs btrfs = new Btrfs();
    private final Path dir;
    private final ReplicationSender sender;
    private final ReplicationProgress progress;
    private final List<Standby> standbys;
    private final CommonBase commonBase;
    /**
     * Standbys not tried again by this checkpointer (one round): one that is cut off but still registered
     * would otherwise cost a connect or read timeout per volume, and a round of hundreds of workstation
     * clones (a clean stop's final one above all) would take hours.
     */
    private final Set<String> unreachable = new HashSet<>();

    /** A subvolume a standby that acknowledged nothing to this leader may hold anyway, to send against. */
    @FunctionalInterface
    public interface CommonBase {
        Optional<Path> of(String node, String volume);
    }

    public Checkpointer(Path dir, ReplicationSender sender, ReplicationProgress progress, List<Standby> standbys) {
        this(dir, sender, progress, standbys, (node, volume) -> Optional.empty());
    }

    /**
     * @param commonBase for a standby that has acknowledged nothing to this leader: a subvolume it may
     *                   hold anyway (the newest checkpoint this node received from the previous leader,
     *                   which may have been that standby; or the version the clone was made from),
     *                   tried as the base before a full send
     */
    public Checkpointer(Path dir, ReplicationSender sender, ReplicationProgress progress, List<Standby> standbys,
                        CommonBase commonBase) {
        this.dir = dir;
        this.sender = sender;
        this.progress = progress;
        this.standbys = List.copyOf(standbys);
        this.commonBase = commonBase;
    }

    public Result checkpoint(CheckpointSource source, long epoch) throws Exception {
        Path mine = Files.createDirectories(dir.resolve(source.name()));
        TreeMap<Long, Path> existing = checkpoints(mine, source.name());
        long seq = existing.isEmpty() ? 1 : existing.lastKey() + 1;
        Path snapshot = mine.resolve(source.name() + "." + epoch + "." + seq);
        long t0 = System.nanoTime();
        Duration pause;
        try (CheckpointSource.Pause ignored = source.quiesce(DRAIN_TIMEOUT)) {
            btrfs.snapshot(source.subvolume(), snapshot, true);
            source.checkpointed(snapshot.getFileName().toString());
            pause = Duration.ofNanos(System.nanoTime() - t0);
        }
        Map<String, String> outcome = new TreeMap<>();
        for (Standby s : standbys) outcome.put(s.node(), send(source.name(), s, snapshot, epoch));
        prune(source.name(), mine, snapshot);
        return new Result(snapshot.getFileName().toString(), pause, outcome);
    }

    private String send(String volume, Standby s, Path snapshot, long epoch) {
        if (unreachable.contains(s.node())) return "failed: unreachable earlier in this round";
        try {
            Optional<Path> acked = progress.acked(s.node(), volume).map(name -> snapshot.resolveSibling(name))
                    .filter(Files::isDirectory);
            Optional<Path> base = acked.or(() -> commonBase.of(s.node(), volume));
            try {
                sender.send(s.address(), epoch, volume, snapshot, base);
            } catch (IOException e) {
                // interrupted: this node stops serving; unreachable: a whole stream would not get there either
                if (base.isEmpty() || Thread.currentThread().isInterrupted() || ReplicationSender.unreachable(e)) throw e;
                log.warn("incremental send of {} to {} failed ({}); sending it whole", snapshot.getFileName(), s.node(), e.getMessage());
                sender.send(s.address(), epoch, volume, snapshot, Optional.empty());
                base = Optional.empty();
            }
            progress.ack(s.node(), volume, snapshot.getFileName().toString());
            return base.map(b -> "incremental on " + b.getFileName()).orElse("full");
        } catch (Exception e) {
            if (ReplicationSender.unreachable(e)) unreachable.add(s.node());
            log.error("replicating {} to {} failed: {}", snapshot.getFileName(), s.node(), e.getMessage());
            return "failed: " + e.getMessage();
        }
    }

    /** Keeps the newest checkpoint and every one some standby still has as its last acknowledged. */
    private void prune(String volume, Path mine, Path newest) throws Exception {
        List<String> keep = new ArrayList<>(List.of(newest.getFileName().toString()));
        for (Standby s : standbys) progress.acked(s.node(), volume).ifPresent(keep::add);
        for (Path p : checkpoints(mine, volume).values()) {
            if (!keep.contains(p.getFileName().toString())) btrfs.deleteSubvolume(p);
        }
    }

    /** This node's checkpoints of {@code volume} by sequence number. */
    private static TreeMap<Long, Path> checkpoints(Path mine, String volume) throws IOException {
        TreeMap<Long, Path> out = new TreeMap<>();
        try (var s = Files.list(mine)) {
            for (Path p : s.toList()) {
                CheckpointName.parse(volume, p.getFileName().toString()).ifPresent(n -> out.put(n[1], p));
            }
        }
        return out;
    }
}
