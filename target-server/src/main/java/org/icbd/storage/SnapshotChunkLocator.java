package org.icbd.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.icbd.btrfs.FileExtents;
import java.util.BitSet;
import org.icbd.cache.ChunkLocator;

/**
 * Shares a clone's chunks with the read-only snapshot it was made from, proven by FIEMAP: a chunk
 * is shared when the clone's extents over it are exactly the snapshot's (same physical addresses at
 * the same offsets). Such a chunk is keyed by the snapshot (its subvolume UUID) and offset, so every
 * clone of one version, and the version itself, name it alike and the cache reads it once.
 *
 * <p>Why the snapshot and not a bare physical address: the extents of a read-only snapshot are
 * immutable while it exists, and a new snapshot has a new UUID, whereas a physical address is freed
 * and reused when a clone rewrites or deletes its last reference, and one address can start chunks
 * of different content (a chunk spanning several extents).
 */
public final class SnapshotChunkLocator implements ChunkLocator, Closeable {

    /** Flags under which an extent's address does not identify its bytes (yet). */
    private static final int NOT_IDENTIFYING = FileExtents.FIEMAP_EXTENT_UNKNOWN | FileExtents.FIEMAP_EXTENT_DELALLOC
            | FileExtents.FIEMAP_EXTENT_DATA_INLINE | FileExtents.FIEMAP_EXTENT_UNWRITTEN;

    private final FileExtents.Mapper volume;
    private final FileExtents.Mapper snapshot;
    private final UUID snapshotId;

    private SnapshotChunkLocator(FileExtents.Mapper volume, FileExtents.Mapper snapshot, UUID snapshotId) {
        this.volume = volume;
        this.snapshot = snapshot;
        this.snapshotId = snapshotId;
    }

    /** @param snapshotFile the image file in the read-only snapshot {@code volumeFile} was cloned from (or itself) */
    public static SnapshotChunkLocator open(Path volumeFile, Path snapshotFile, UUID snapshotId) throws IOException {
        FileExtents.Mapper v = FileExtents.open(volumeFile);
        try {
            return new SnapshotChunkLocator(v, snapshotFile.equals(volumeFile) ? v : FileExtents.open(snapshotFile), snapshotId);
        } catch (IOException | RuntimeException e) {
            v.close();
            throw e;
        }
    }

    @Override
    public Object sharedSpace() {
        return snapshotId;
    }

    @Override
    public BitSet sharedChunks(long offset, int chunkSize, int count) throws IOException {
        long length = (long) chunkSize * count;
        List<FileExtents.Extent> mine = volume.map(offset, length);
        List<FileExtents.Extent> theirs = snapshot == volume ? mine : snapshot.map(offset, length);
        BitSet out = new BitSet(count);
        for (int i = 0; i < count; i++) {
            long from = offset + (long) i * chunkSize;
            if (!covered(mine, from, chunkSize)) continue;
            if (snapshot == volume || runs(mine, from, chunkSize).equals(runs(theirs, from, chunkSize))) out.set(i);
        }
        return out;
    }

    /** A piece of a chunk at a known physical address. */
    private record Run(long offset, long physical, long length) {
    }

    /** Where the chunk's bytes are: runs clipped to the chunk, physically contiguous pieces merged. */
    private static List<Run> runs(List<FileExtents.Extent> extents, long offset, int length) {
        List<Run> out = new java.util.ArrayList<>();
        long end = offset + length;
        for (FileExtents.Extent e : extents) {
            long from = Math.max(e.logical(), offset);
            long to = Math.min(e.logicalEnd(), end);
            if (from >= to) continue;
            long phys = e.physical() + (from - e.logical());
            Run last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.offset() + last.length() == from && last.physical() + last.length() == phys) {
                out.set(out.size() - 1, new Run(last.offset(), last.physical(), last.length() + to - from));
            } else {
                out.add(new Run(from, phys, to - from));
            }
        }
        return out;
    }

    /** True when the extents cover the range without holes, each at a known address. */
    private static boolean covered(List<FileExtents.Extent> extents, long offset, int length) {
        long next = offset;
        long end = offset + length;
        for (FileExtents.Extent e : extents) {
            if (e.logicalEnd() <= next) continue;
            if (e.logical() >= end) break;
            if ((e.flags() & NOT_IDENTIFYING) != 0 || e.logical() > next) return false;
            next = e.logicalEnd();
        }
        return next >= end;
    }

    @Override
    public void close() {
        volume.close();
        if (snapshot != volume) snapshot.close();
    }
}
