package org.icbd.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.icbd.failover.ReceivedCheckpoints;
import org.icbd.failover.CheckpointSource;
import org.icbd.failover.Checkpointer;
import org.icbd.failover.ReplicationProgress;
import org.icbd.failover.ReplicationSender;
import org.icbd.failover.WriteLog;
import org.icbd.storage.QuiescingBlockDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's replication rounds: every interval it checkpoints each
 * writable clone (writes held while the read-only snapshot is taken) and sends it to every live
 * standby. One thread, rounds never overlap; closing it waits for the round in progress.
 */
final class CheckpointSchedule implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CheckpointSchedule.class);

    private final List<WritableClone> clones;
    private final Map<Path, QuiescingBlockDevice> devices;
    private final Path checkpoints;
    /** Where this node received checkpoints while it stood by: common bases for resynchronising a rejoined node. */
    private final Path replicas;
    private final ReplicationSender sender;
    private final ReplicationProgress progress;
    private final NodeDirectory nodes;
    private final CatalogMirror catalog;
    private final long epoch;
    private final Duration interval;
    private final Timer pause;
    private final Counter failures;
    private final Thread thread;
    private volatile boolean stopping;
    /** Guarded by this: whether the last round found no standby. */
    private boolean alone;
    /** Per clone, when (nanoTime) its last checkpoint that every standby got was taken. */
    private final Map<String, AtomicLong> lastComplete = new ConcurrentHashMap<>();
    private final List<Meter> lagGauges = new CopyOnWriteArrayList<>();
    private final MeterRegistry meters;
    private final VersionShipper versions;
    /** The synchronous write log of the clones replicated in sync mode, or null when there are none. */
    private final WriteLog writeLog;
    /** Guarded by this: the volumes last reported as having no standby in sync. */
    private Set<String> unprotected = Set.of();

    private static final Duration CATCH_UP = Duration.ofSeconds(1);

    CheckpointSchedule(List<WritableClone> clones, Map<Path, QuiescingBlockDevice> devices, Path checkpoints, Path replicas,
                       ReplicationSender sender, ReplicationProgress progress, NodeDirectory nodes, CatalogMirror catalog,
                       long epoch, Duration interval, VersionShipper versions, WriteLog writeLog, MeterRegistry meters) {
        this.versions = versions;
        this.writeLog = writeLog;
        // both live: a leader adds the disks of workstations it makes while it serves
        this.clones = clones;
        this.devices = devices;
        this.checkpoints = checkpoints;
        this.replicas = replicas;
        this.sender = sender;
        this.progress = progress;
        this.nodes = nodes;
        this.catalog = catalog;
        this.epoch = epoch;
        this.interval = interval;
        this.pause = Timer.builder("icbd_replication_pause").description("writes held per checkpoint").register(meters);
        this.failures = Counter.builder("icbd_replication_failures").description("checkpoints a standby did not get").register(meters);
        this.thread = Thread.ofPlatform().name("icbd-checkpoints").daemon().unstarted(this::run);
        this.meters = meters;
        for (WritableClone c : clones) track(c);
    }

    /** Lag (and, in sync mode, in-sync) gauges of a clone, once; its lag counts from when it is first seen. */
    private void track(WritableClone c) {
        if (lastComplete.containsKey(c.name())) return;
        var at = new AtomicLong(System.nanoTime()); // lag counts from when this node began to lead
        lastComplete.put(c.name(), at);
        lagGauges.add(Gauge.builder("icbd_replication_lag_seconds", at,
                        t -> (System.nanoTime() - t.get()) / 1e9)
                .tag("volume", c.name()).description("age of the newest checkpoint every standby has").register(meters));
        if (c.sync()) {
            lagGauges.add(Gauge.builder("icbd_replication_standbys_in_sync", writeLog,
                            w -> w.inSync().getOrDefault(c.name(), Set.of()).size())
                    .tag("volume", c.name()).description("standbys holding every acknowledged write (0: a failover would lose writes)")
                    .register(meters));
        }
    }

    void start() {
        thread.start();
    }

    /**
     * A round at once (the standbys get the new leader's state, and in sync mode become in sync), then
     * one every interval; in sync mode also within a second of a standby that is not in sync
     * appearing, since until it is, a failover would lose acknowledged writes.
     */
    private void run() {
        long last = System.nanoTime() - interval.toNanos();
        Duration tick = interval.compareTo(CATCH_UP) < 0 ? interval : CATCH_UP;
        while (!stopping) {
            try {
                boolean due = System.nanoTime() - last >= interval.toNanos();
                if (!due && writeLog != null) {
                    due = !writeLog.allInSync(nodes.standbys().stream().map(Checkpointer.Standby::node).toList());
                }
                if (due) {
                    last = System.nanoTime();
                    round(false);
                }
                Thread.sleep(tick);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                failures.increment();
                log.error("replication round failed: {}", e.toString());
                try {
                    Thread.sleep(tick);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /**
     * The last round of a leader handing over: its sessions are closed, so no write can come, and each
     * clone's checkpoint is its final state. Returns the clones every standby acknowledged, with the
     * checkpoint each got: those the next leader can serve without holding them.
     */
    Round finalRound() throws Exception {
        return round(true);
    }

    /**
     * What a round got to the standbys.
     *
     * @param complete the clones every standby acknowledged, with their checkpoint
     * @param received per clone, the standbys that acknowledged its checkpoint
     */
    record Round(Map<String, String> complete, Map<String, Set<String>> received) {
    }

    /**
     * One round: every clone (those added since the last round too) to every standby; returns the clones every standby
     * acknowledged, with their checkpoint. Rounds never overlap: the final one waits for a regular one
     * still running (both would take the next checkpoint name). {@code closing}: the sessions are closed
     * (nothing to hold), and every clone is done although the regular rounds were stopped.
     */
    private synchronized Round round(boolean closing) throws Exception {
        catalog.seed(epoch); // ZooKeeper holds the catalog: nothing to send unless it has none yet
        Map<String, String> complete = new HashMap<>();
        Map<String, Set<String>> received = new HashMap<>();
        Round result = new Round(complete, received);
        List<Checkpointer.Standby> standbys = nodes.standbys();
        if (writeLog != null && !closing) writeLog.connect(standbys);
        if (standbys.isEmpty()) {
            // said once per change, not every interval: the lag metric keeps counting meanwhile
            if (!alone) log.warn("no standby is up: writes to {} clone(s) are on this node only", clones.size());
            alone = true;
            if (writeLog != null) warnUnprotected();
            return result;
        }
        if (alone) log.info("standby up again: {}", standbys.stream().map(Checkpointer.Standby::node).toList());
        alone = false;
        if (!closing) versions.ship(standbys);
        Checkpointer checkpointer = checkpointer(standbys);
        for (WritableClone c : clones) {
            if (stopping && !closing) break;
            track(c);
            Checkpointer.Result r = checkpointer.checkpoint(new CloneSource(c, closing ? null : devices.get(c.disk()),
                    closing || !c.sync() ? null : writeLog), epoch);
            pause.record(r.pause());
            long failed = r.standbys().values().stream().filter(v -> v.startsWith("failed")).count();
            failures.increment(failed);
            if (failed == 0) {
                lastComplete.get(c.name()).set(System.nanoTime());
                complete.put(c.name(), r.snapshot());
            }
            Set<String> got = new TreeSet<>();
            r.standbys().forEach((node, outcome) -> {
                if (outcome.startsWith("failed")) return;
                got.add(node);
                // what each standby got: an operator (and a test) sees that replication stays incremental
                Counter.builder("icbd_replication_checkpoints_sent").tag("standby", node)
                        .tag("kind", outcome.startsWith("full") ? "full" : "incremental")
                        .description("checkpoints a standby acknowledged, full or incremental sends").register(meters).increment();
            });
            received.put(c.name(), got);
            log.info("{}checkpoint {}: writes held {} ms; {}", closing ? "final " : "", r.snapshot(), r.pause().toMillis(),
                    r.standbys());
            if (c.sync() && !closing) got.forEach(node -> writeLog.confirmed(node, c.name(), r.snapshot()));
        }
        if (writeLog != null) warnUnprotected();
        return result;
    }

    /** Says loudly, once per change, which volumes no standby is in sync for. */
    private void warnUnprotected() {
        Set<String> now = new TreeSet<>();
        writeLog.inSync().forEach((v, nodes) -> {
            if (nodes.isEmpty()) now.add(v);
        });
        if (now.equals(unprotected)) return;
        if (!now.isEmpty()) {
            log.warn("no standby is in sync for {}: this node keeps serving, but if it fails no other node may take over"
                    + " without 'icbd cluster promote', and writes acknowledged since the last checkpoint would be lost", now);
        } else {
            log.info("every volume has a standby in sync");
        }
        unprotected = now;
    }

    private Checkpointer checkpointer(List<Checkpointer.Standby> standbys) {
        return new Checkpointer(checkpoints, sender, progress, standbys, (node, volume) -> {
            try {
                return ReceivedCheckpoints.newestComplete(replicas.resolve(volume), volume).or(() -> versions.origin(node, volume));
            } catch (IOException e) {
                return versions.origin(node, volume);
            }
        });
    }

    /**
     * A clone to checkpoint; without a device (its sessions are closed) there are no writes to hold. In
     * sync mode the checkpoint's marker goes into the write log while writes are held.
     */
    private record CloneSource(WritableClone volume, QuiescingBlockDevice device, WriteLog writeLog) implements CheckpointSource {
        @Override
        public void checkpointed(String snapshot) throws IOException {
            if (writeLog != null) writeLog.marker(volume.name(), snapshot);
        }

        @Override
        public String name() {
            return volume.name();
        }

        @Override
        public Path subvolume() {
            return volume.subvolume();
        }

        @Override
        public Pause quiesce(Duration timeout) throws IOException {
            if (device == null) return () -> { };
            QuiescingBlockDevice.Pause p = device.quiesce(timeout);
            return p::close;
        }
    }

    /**
     * Stops the rounds. Waits a second at most: a node that must stop serving cannot wait for a send
     * to finish. A send still running completes or fails on its own; it only reads its read-only
     * snapshot, and a stream cut off leaves nothing on the standby.
     */
    @Override
    public void close() {
        lagGauges.forEach(meters::remove);
        stopping = true;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
