package org.icbd.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.icbd.failover.WriteLog;
import org.icbd.volume.CatalogState;

/**
 * The writable volumes a leader replicates in one epoch: the configuration's clones, the disks of the catalog's
 * workstations and the work copies of its images when it began, and those added while it serves. Both views are live:
 * the checkpoint rounds go through {@link #clones}, and a disk opened after {@link #add} goes through the
 * write log when its name is in {@link #syncNames}.
 */
final class ReplicationSet {

    private final List<WritableClone> clones = new CopyOnWriteArrayList<>();
    private final Set<String> sync = ConcurrentHashMap.newKeySet();
    private volatile WriteLog writeLog;

    ReplicationSet(List<WritableClone> initial) {
        for (WritableClone c : initial) {
            if (contains(c.name())) continue;
            clones.add(c);
            if (c.sync()) sync.add(c.name());
        }
    }

    /** Every clone replicated, live. */
    List<WritableClone> clones() {
        return clones;
    }

    /** The names of the clones replicated synchronously, live. */
    Set<String> syncNames() {
        return sync;
    }

    /**
     * The volume replicated synchronously whose image file is {@code image}, if any: the clone or work copy
     * with that file, else (a configured LUN may spell its path otherwise) the clone named after its directory,
     * as a clone's image is {@code clones/<name>/disk.img}. Every work copy's directory is called {@code work}:
     * it is only ever known by its file.
     */
    Optional<String> syncVolumeOf(Path image) {
        for (WritableClone c : clones) {
            if (c.disk().equals(image)) return sync.contains(c.name()) ? Optional.of(c.name()) : Optional.empty();
        }
        String name = image.getParent().getFileName().toString();
        return sync.contains(name) ? Optional.of(name) : Optional.empty();
    }

    /** The write log of this epoch (null when no clone is replicated synchronously). */
    void writeLog(WriteLog log) {
        this.writeLog = log;
    }

    boolean contains(String name) {
        return clones.stream().anyMatch(c -> c.name().equals(name));
    }

    /** Replicates {@code name} no more (its disk is deleted). */
    synchronized void remove(String name) throws IOException {
        if (!clones.removeIf(c -> c.name().equals(name))) return;
        WriteLog log = writeLog;
        if (sync.remove(name) && log != null) log.remove(name);
    }

    /**
     * Keeps the work copies replicated in step with the catalog a leader serves: an image imported since is
     * replicated before its work copy can be edited (opened), a deleted one no longer.
     */
    void followWorkCopies(CatalogState state, Path dataRoot, boolean sync) throws IOException {
        for (CatalogState.Image img : state.images().values()) {
            WritableClone c = WritableClone.workCopy(dataRoot, img.name(), "", sync);
            if (Files.exists(c.subvolume())) add(c);
        }
        for (WritableClone c : clones) {
            Optional<String> image = WritableClone.workCopyOf(c.name());
            if (image.isPresent() && !state.images().containsKey(image.get())) remove(c.name());
        }
    }

    /**
     * {@code name}'s disk is about to be replaced by a reset: a synchronous clone's standbys are out of
     * sync for it until its next checkpoint (their logs hold writes to the old disk).
     */
    void resetting(String name) throws IOException {
        WriteLog log = writeLog;
        if (log != null && sync.contains(name)) log.outOfSync(name);
    }

    /**
     * Replicates {@code c} from now on; call before its disk is opened, so no write escapes the log. A
     * synchronous clone is recorded in ZooKeeper as one no standby is in sync for, until its first checkpoint.
     *
     * @throws IOException when that cannot be recorded: the disk must not be served
     */
    synchronized void add(WritableClone c) throws IOException {
        if (contains(c.name())) return;
        if (c.sync()) {
            WriteLog log = writeLog;
            if (log == null) throw new IOException("no write log runs to replicate " + c.name() + " synchronously");
            log.add(c.name());
            sync.add(c.name());
        }
        clones.add(c);
    }
}
