package org.icbd.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Objects;
import org.icbd.btrfs.FileExtents;

/**
 * A raw image file served as a block device with positional reads and writes.
 * Positional FileChannel I/O is safe from many threads at once and needs no lock.
 */
public final class FileBlockDevice implements BlockDevice {

    private final Path path;
    private final FileChannel channel;
    private final int blockSize;
    private final long sizeBytes;
    private final boolean readOnly;
    private final LunIdentity identity;
    private final HolePuncher holePuncher;
    private final Closeable owned;
    /** Opened on the first GET LBA STATUS of a thin device; FIEMAP needs its own descriptor. */
    private volatile FileExtents.Mapper extents;

    private FileBlockDevice(Path path, FileChannel channel, int blockSize, long sizeBytes, boolean readOnly,
                            LunIdentity identity, HolePuncher holePuncher, Closeable owned) {
        this.path = path;
        this.channel = channel;
        this.blockSize = blockSize;
        this.sizeBytes = sizeBytes;
        this.readOnly = readOnly;
        this.identity = identity;
        this.holePuncher = holePuncher;
        this.owned = owned;
    }

    /**
     * Opens an image file. Its size is rounded down to whole blocks: a partial last block is never
     * reported (reporting one block more than the file holds is a bug real initiators trip over).
     *
     * @param identity stable identity, or {@code null} to derive one from the file's canonical path
     * @param holePuncher how UNMAP releases space, or {@code null} when the device is not thin
     */
    public static FileBlockDevice open(Path path, boolean readOnly, int blockSize, LunIdentity identity,
                                       HolePuncher holePuncher) throws IOException {
        return open(path, readOnly, blockSize, identity, holePuncher, null);
    }

    /**
     * Opens an image file as a thin device when its file system can punch holes (btrfs, ext4, xfs, tmpfs):
     * UNMAP and WRITE SAME with UNMAP then give the space back, and a clone stops sharing nothing it
     * does not need. A read-only image is opened fully provisioned: it never changes, so there is nothing
     * to deallocate, and a read-only snapshot cannot even be opened for hole punching.
     */
    public static FileBlockDevice openThinIfPossible(Path path, boolean readOnly, int blockSize, LunIdentity identity)
            throws IOException {
        if (readOnly || !org.icbd.btrfs.HolePuncher.supported(path)) {
            return open(path, readOnly, blockSize, identity, null, null);
        }
        org.icbd.btrfs.HolePuncher puncher = org.icbd.btrfs.HolePuncher.open(path);
        try {
            return open(path, false, blockSize, identity, (ch, p, off, len) -> puncher.punch(off, len), puncher);
        } catch (IOException | RuntimeException e) {
            puncher.close();
            throw e;
        }
    }

    private static FileBlockDevice open(Path path, boolean readOnly, int blockSize, LunIdentity identity,
                                        HolePuncher holePuncher, Closeable owned) throws IOException {
        Objects.requireNonNull(path, "path");
        if (blockSize != 512 && blockSize != 4096) {
            throw new IllegalArgumentException("block size must be 512 or 4096, got " + blockSize);
        }
        if (!Files.isRegularFile(path)) {
            throw new IOException("not a regular file: " + path);
        }
        var options = readOnly ? EnumSet.of(StandardOpenOption.READ)
                : EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel ch = FileChannel.open(path, options);
        long size = ch.size() / blockSize * blockSize;
        if (size == 0) {
            ch.close();
            throw new IOException("image is smaller than one " + blockSize + "-byte block: " + path);
        }
        LunIdentity id = identity != null ? identity : LunIdentity.fromVolumeKey("file:" + path.toRealPath());
        return new FileBlockDevice(path, ch, blockSize, size, readOnly, id, holePuncher, owned);
    }

    public static FileBlockDevice open(Path path, boolean readOnly) throws IOException {
        return open(path, readOnly, 512, null, null);
    }

    public Path path() {
        return path;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                // the file shrank under us; the missing tail reads as zeros like a hole
                while (dst.hasRemaining()) dst.put((byte) 0);
                return;
            }
            pos += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        if (readOnly) throw new IOException("read-only device: " + path);
        checkRange(offset, src.remaining());
        long pos = offset;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
        if (fua) channel.force(false);
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) channel.force(false);
    }

    /**
     * Thin provisioning is a property of the device, not of its writability: a read-only version
     * still reports LBPME/LBPU (initiators see a thin disk) and refuses the UNMAP with DATA PROTECT.
     */
    @Override
    public boolean supportsUnmap() {
        return holePuncher != null;
    }

    @Override
    public void unmap(long offset, long length) throws IOException {
        if (holePuncher == null) throw new IOException("unmap not supported on " + path);
        if (readOnly) throw new IOException("read-only device: " + path);
        checkRange(offset, length);
        holePuncher.punchHole(channel, path, offset, length);
    }

    /**
     * Thin devices answer from FIEMAP: an extent (other than an unwritten, preallocated one, which
     * reads as zeros) is mapped, a gap between extents is a hole. The state is rounded out to whole
     * blocks, so a block with any data in it counts as mapped.
     */
    @Override
    public AllocationRun allocation(long offset, long maxLength) throws IOException {
        checkRange(offset, maxLength);
        if (holePuncher == null) return new AllocationRun(true, maxLength);
        long end = offset + maxLength;
        long pos = offset;              // everything in [offset, pos) has state `mapped`
        Boolean mapped = null;
        boolean changed = false;
        for (FileExtents.Extent e : mapper().map(offset, maxLength)) {
            if (e.logicalEnd() <= pos) continue;
            if (e.logical() > pos) {    // a hole before this extent
                if (Boolean.TRUE.equals(mapped)) { changed = true; break; }
                mapped = false;
                pos = Math.min(e.logical(), end);
                if (pos == end) break;
            }
            boolean m = !e.unwritten(); // preallocated but unwritten reads as zeros
            if (mapped != null && mapped != m) { changed = true; break; }
            mapped = m;
            pos = Math.min(e.logicalEnd(), end);
            if (pos == end) break;
        }
        if (mapped == null) return new AllocationRun(false, maxLength);
        if (!changed && !mapped) pos = end;  // the file's extents ended inside a hole
        long length = pos - offset;
        // a block with any data in it is mapped: round a hole down and data up to whole blocks
        length = mapped ? Math.min(maxLength, (length + blockSize - 1) / blockSize * blockSize)
                        : length / blockSize * blockSize;
        if (length == 0) return new AllocationRun(true, Math.min(maxLength, blockSize));
        return new AllocationRun(mapped, length);
    }

    private FileExtents.Mapper mapper() throws IOException {
        FileExtents.Mapper m = extents;
        if (m == null) {
            synchronized (this) {
                m = extents;
                if (m == null) extents = m = FileExtents.open(path);
            }
        }
        return m;
    }

    @Override
    public LunIdentity identity() {
        return identity;
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (extents != null) extents.close();
            if (owned != null) owned.close();
        }
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset > sizeBytes - length) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " outside device of " + sizeBytes + " bytes");
        }
    }

    /** Releases a byte range of a file (fallocate PUNCH_HOLE|KEEP_SIZE); see {@link #openThinIfPossible}. */
    @FunctionalInterface
    public interface HolePuncher {
        void punchHole(FileChannel channel, Path path, long offset, long length) throws IOException;
    }
}
