package org.icbd.storage;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.icbd.btrfs.FileExtents;
import org.icbd.btrfs.PageCacheDropper;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import org.icbd.cache.ChunkSource;
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
            | FileExtents.FIEMAP_EXTENT_DATA_INLINE | FileExtents.FIEMAP_EXTENT_UNWRITTEN
            | FileExtents.FIEMAP_EXTENT_ENCODED; // a compressed extent's address is not its bytes' offset

    private final FileExtents.Mapper volume;
    private final FileExtents.Mapper snapshot;
    private final UUID snapshotId;
    /** The snapshot's image, read-only: where shared chunks are read from. */
    private final FileChannel snapshotData;
    /** Drops what a load read from the page cache (the block cache holds it now), or null to keep it. */
    private final PageCacheDropper dropper;

    private SnapshotChunkLocator(FileExtents.Mapper volume, FileExtents.Mapper snapshot, UUID snapshotId, FileChannel snapshotData,
                                 PageCacheDropper dropper) {
        this.volume = volume;
        this.snapshot = snapshot;
        this.snapshotId = snapshotId;
        this.snapshotData = snapshotData;
        this.dropper = dropper;
    }

    /**
     * Whether loads of shared chunks drop the bytes from the page cache afterwards. On by default: the
     * block cache holds them, so keeping them twice only halves the memory a node can cache with
     * (system property {@code icbd.cache.keepPageCache=true} keeps them, for comparison).
     */
    static boolean dropPageCache() {
        return !Boolean.getBoolean("icbd.cache.keepPageCache");
    }

    /** @param snapshotFile the image file in the read-only snapshot {@code volumeFile} was cloned from (or itself) */
    public static SnapshotChunkLocator open(Path volumeFile, Path snapshotFile, UUID snapshotId) throws IOException {
        FileExtents.Mapper v = FileExtents.open(volumeFile);
        FileExtents.Mapper s = null;
        try {
            s = snapshotFile.equals(volumeFile) ? v : FileExtents.open(snapshotFile);
            FileChannel data = FileChannel.open(snapshotFile, StandardOpenOption.READ);
            PageCacheDropper dropper = dropPageCache() ? PageCacheDropper.open(snapshotFile) : null;
            return new SnapshotChunkLocator(v, s, snapshotId, data, dropper);
        } catch (IOException | RuntimeException e) {
            v.close();
            if (s != null && s != v) s.close();
            throw e;
        }
    }

    @Override
    public Object sharedSpace() {
        return snapshotId;
    }

    @Override
    public ChunkSource sharedSource() {
        return (offset, dst) -> {
            long pos = offset;
            while (dst.hasRemaining()) {
                int n = snapshotData.read(dst, pos);
                if (n < 0) throw new EOFException("snapshot image " + snapshot.file() + " ends before " + pos);
                pos += n;
            }
            if (dropper != null) dropper.drop(offset, pos - offset);
        };
    }

    @Override
    public BitSet sharedChunks(long offset, int chunkSize, int count) throws IOException {
        long length = (long) chunkSize * count;
        List<FileExtents.Extent> mine = volume.map(offset, length);
        List<FileExtents.Extent> theirs = snapshot == volume ? mine : snapshot.map(offset, length);
        BitSet out = new BitSet(count);
        for (long[] same : identical(mine, theirs)) {
            // the chunks lying wholly inside a stretch both files map to the same physical bytes
            long first = Math.max(0, Math.ceilDiv(same[0] - offset, chunkSize));
            long last = Math.min(count, Math.floorDiv(same[1] - offset, chunkSize));
            if (first < last) out.set((int) first, (int) last);
        }
        return out;
    }

    /**
     * The stretches [from, to) where both extent lists map each byte to the same physical byte at a
     * known address, adjacent stretches merged (a chunk may span two extents and still be shared).
     * One pass over both lists, which FIEMAP returns in file order.
     */
    private static List<long[]> identical(List<FileExtents.Extent> a, List<FileExtents.Extent> b) {
        List<long[]> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.size() && j < b.size()) {
            FileExtents.Extent x = a.get(i);
            FileExtents.Extent y = b.get(j);
            long from = Math.max(x.logical(), y.logical());
            long to = Math.min(x.logicalEnd(), y.logicalEnd());
            boolean known = (x.flags() & NOT_IDENTIFYING) == 0 && (y.flags() & NOT_IDENTIFYING) == 0;
            if (from < to && known && x.physical() - x.logical() == y.physical() - y.logical()) {
                long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
                if (last != null && last[1] == from) {
                    last[1] = to;
                } else {
                    out.add(new long[] {from, to});
                }
            }
            if (x.logicalEnd() <= y.logicalEnd()) i++;
            else j++;
        }
        return out;
    }

    @Override
    public void close() {
        volume.close();
        if (snapshot != volume) snapshot.close();
        try {
            snapshotData.close();
        } catch (IOException ignored) {
            // read-only: nothing to lose
        }
        if (dropper != null) dropper.close();
    }
}
