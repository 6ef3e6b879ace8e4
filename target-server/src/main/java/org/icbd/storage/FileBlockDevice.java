package org.icbd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Objects;

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

    private FileBlockDevice(Path path, FileChannel channel, int blockSize, long sizeBytes, boolean readOnly,
                            LunIdentity identity, HolePuncher holePuncher) {
        this.path = path;
        this.channel = channel;
        this.blockSize = blockSize;
        this.sizeBytes = sizeBytes;
        this.readOnly = readOnly;
        this.identity = identity;
        this.holePuncher = holePuncher;
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
        return new FileBlockDevice(path, ch, blockSize, size, readOnly, id, holePuncher);
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

    @Override
    public LunIdentity identity() {
        return identity;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset > sizeBytes - length) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " outside device of " + sizeBytes + " bytes");
        }
    }

    /** Releases a byte range of a file (fallocate PUNCH_HOLE|KEEP_SIZE); supplied by the btrfs driver. */
    @FunctionalInterface
    public interface HolePuncher {
        void punchHole(FileChannel channel, Path path, long offset, long length) throws IOException;
    }
}
