package org.icbd.workstation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.icbd.btrfs.Btrfs;
import org.icbd.volume.VolumeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data root's free space against {@code workstations.min-free-mib}. Below it, what would take new
 * space is refused: a new workstation (enrolled at its first boot or added), whose disk starts filling
 * at once. Resets are not refused: a reset swaps the disk for a fresh snapshot of its version (metadata
 * only) and throws the old disk's writes away, so it gives space back; refusing it would keep a full
 * pool full. Each crossing of the threshold, either way, is logged once and counted, whether a request
 * or the periodic look noticed it.
 */
public final class MinFreeSpace implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MinFreeSpace.class);

    private final Path dataRoot;
    private final long minFreeBytes;
    private final Counter wentBelow;
    private final Counter cameBack;
    private boolean below;
    private volatile boolean closed;
    private final Thread watcher;

    /**
     * @param every how often the space is looked at when nothing asks (so a crossing is logged when it happens);
     *              null: only when asked
     */
    public MinFreeSpace(Path dataRoot, long minFreeBytes, MeterRegistry meters, Duration every) {
        this.dataRoot = dataRoot;
        this.minFreeBytes = minFreeBytes;
        Gauge.builder("icbd_data_root_free_bytes", dataRoot, MinFreeSpace::usableBytesOrNaN)
                .description("bytes free in the data root").baseUnit("bytes").register(meters);
        Gauge.builder("icbd_data_root_below_min_free", this, s -> s.isBelow() ? 1 : 0)
                .description("1 while the data root has less free than workstations.min-free-mib: no workstation is added")
                .register(meters);
        wentBelow = Counter.builder("icbd_data_root_min_free_crossings_total").tag("direction", "below")
                .description("times the data root's free space fell below (or rose back above) workstations.min-free-mib")
                .register(meters);
        cameBack = Counter.builder("icbd_data_root_min_free_crossings_total").tag("direction", "above")
                .description("times the data root's free space fell below (or rose back above) workstations.min-free-mib")
                .register(meters);
        watcher = every == null ? null : Thread.ofVirtual().name("icbd-free-space").start(() -> watch(every));
    }

    /** The threshold alone: nothing watches it and its metrics go nowhere (a caller that only asks). */
    public static MinFreeSpace unwatched(Path dataRoot, long minFreeBytes) {
        return new MinFreeSpace(dataRoot, minFreeBytes, new SimpleMeterRegistry(), null);
    }

    private void watch(Duration every) {
        while (!closed) {
            try {
                free();
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                log.debug("free space of {}: {}", dataRoot, e.toString());
            }
        }
    }

    /** Bytes free in the data root now; a crossing of the threshold since the last look is logged and counted. */
    public long free() throws IOException {
        long free = Files.getFileStore(dataRoot).getUsableSpace();
        boolean now = free < minFreeBytes;
        synchronized (this) {
            if (now == below) return free;
            below = now;
        }
        if (now) {
            wentBelow.increment();
            log.warn("the data root {} has {} MiB free, below workstations.min-free-mib ({} MiB): no workstation is added until"
                    + " space is freed (resets go on: they free space)", dataRoot, free >> 20, minFreeBytes >> 20);
        } else {
            cameBack.increment();
            log.info("the data root {} has {} MiB free again, at least workstations.min-free-mib ({} MiB): workstations may be added",
                    dataRoot, free >> 20, minFreeBytes >> 20);
        }
        return free;
    }

    /**
     * A disk's writes were thrown away (a reset). Below the threshold, btrfs is made to give their space back
     * now (in the background) instead of after its periodic commits (about 30 s).
     */
    public void writesDiscarded() {
        if (!isBelow()) return;
        Thread.ofVirtual().name("icbd-reclaim").start(() -> {
            try {
                Btrfs btrfs = new Btrfs();
                if (btrfs.isBtrfs(dataRoot)) btrfs.reclaimDeleted(dataRoot);
            } catch (IOException | RuntimeException e) {
                log.debug("reclaiming the space of deleted disks in {}: {}", dataRoot, e.toString());
            }
        });
    }

    private synchronized boolean isBelow() {
        return below;
    }

    /**
     * Refuses what would give a new disk to a workstation while space is short.
     *
     * @param what what is asked, for the message ("enrol a workstation")
     */
    public void requireRoomTo(String what) throws IOException {
        long free = free();
        if (free >= minFreeBytes) return;
        throw new VolumeException(VolumeException.Kind.NO_SPACE, "the server is short of space (" + (free >> 20) + " MiB free, "
                + (minFreeBytes >> 20) + " MiB needed to " + what + "); ask an administrator to free some");
    }

    /** Bytes free to this process in the file system holding {@code dir}; NaN when it cannot be read (a gauge's value). */
    public static double usableBytesOrNaN(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    @Override
    public void close() {
        closed = true;
        if (watcher != null) watcher.interrupt();
    }
}
