package org.icbd.volume;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.icbd.btrfs.Btrfs;

/** Volumes as btrfs subvolumes; versions are read-only snapshots, clones writable snapshots. */
final class BtrfsVolumes implements VolumeFileSystem {

    private final Btrfs btrfs;

    BtrfsVolumes(Btrfs btrfs) {
        this.btrfs = btrfs;
    }

    @Override
    public void create(Path volume) throws IOException {
        btrfs.createSubvolume(volume);
    }

    @Override
    public void snapshot(Path source, Path target, boolean readOnly) throws IOException {
        btrfs.snapshot(source, target, readOnly);
    }

    @Override
    public void delete(Path volume) throws IOException {
        btrfs.deleteSubvolumeAndWait(volume); // space freed before the next write counts on it
    }

    @Override
    public void discard(Path volume) throws IOException {
        btrfs.deleteSubvolume(volume);
    }

    @Override
    public Optional<UUID> snapshotId(Path volume) throws IOException {
        return Optional.of(btrfs.show(volume).uuid());
    }

    @Override
    public boolean instantClones() {
        return true;
    }
}
