package org.icbd.volume;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.icbd.btrfs.Btrfs;

/**
 * How a volume (a directory holding {@link VolumeLayout#DISK}) is created, copied and removed.
 * On btrfs a volume is a subvolume and a copy is a snapshot: constant time, every extent shared.
 * Elsewhere it is a plain directory and a copy is a reflink where the file system offers one,
 * a full copy otherwise.
 */
public interface VolumeFileSystem {

    void create(Path volume) throws IOException;

    /** Copies {@code source} to {@code target} (which must not exist); a read-only copy refuses writes. */
    void snapshot(Path source, Path target, boolean readOnly) throws IOException;

    void delete(Path volume) throws IOException;

    /**
     * Deletes a volume without waiting for its space to be given back. A reset uses it: a running node
     * may still hold the old disk open, and btrfs frees the space only when it closes it.
     */
    default void discard(Path volume) throws IOException {
        delete(volume);
    }

    /** The file system's id of a read-only snapshot, when copies share its extents (btrfs subvolume UUID). */
    default Optional<UUID> snapshotId(Path volume) throws IOException {
        return Optional.empty();
    }

    /** True when {@link #snapshot} takes constant time and shares the data (btrfs). */
    boolean instantClones();

    /** The right implementation for the file system under {@code root}. */
    static VolumeFileSystem forRoot(Path root) {
        Btrfs btrfs = new Btrfs();
        return btrfs.isBtrfs(root) ? new BtrfsVolumes(btrfs) : new CopyVolumes();
    }
}
