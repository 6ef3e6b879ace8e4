package org.icbd.btrfs;

import java.io.Closeable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The physical extents behind a byte range of a file (FIEMAP). This sits on the block cache's hot path: the
 * libc binding is shared, the struct layout is fixed offsets, and each call allocates one small native buffer
 * (and one large one only for fragmented ranges) that is reused for every round trip to the kernel.
 */
public final class FileExtents {
    private static final long FS_IOC_FIEMAP = 0xC020660BL;
    private static final int FIEMAP_FLAG_SYNC = 0x1;

    // struct fiemap
    private static final int FM_START = 0, FM_LENGTH = 8, FM_FLAGS = 16, FM_MAPPED = 20, FM_COUNT = 24;
    private static final int FM_HEADER = 32;
    // struct fiemap_extent
    private static final int FE_LOGICAL = 0, FE_PHYSICAL = 8, FE_LENGTH = 16, FE_FLAGS = 40;
    private static final int FE_SIZE = 56;
    /**
     * Extents per kernel round trip. A cache lookup of a small range sees one or two extents, and native
     * allocation cost grows with size (28 KiB cost ~40 us, 1 KiB ~2 us), so start small and switch to a large
     * buffer only when a range turns out to be fragmented.
     */
    private static final int SMALL_BATCH = 16;
    private static final int LARGE_BATCH = 512;

    public static final int FIEMAP_EXTENT_LAST = 0x1;
    public static final int FIEMAP_EXTENT_UNKNOWN = 0x2;
    public static final int FIEMAP_EXTENT_DELALLOC = 0x4;
    public static final int FIEMAP_EXTENT_ENCODED = 0x8;
    public static final int FIEMAP_EXTENT_DATA_INLINE = 0x200;
    public static final int FIEMAP_EXTENT_UNWRITTEN = 0x800;
    public static final int FIEMAP_EXTENT_SHARED = 0x2000;

    private FileExtents() {
    }

    /**
     * One extent as the kernel reports it. Extents are not clipped to the asked range: the first may start
     * before it and the last end after it. Holes are simply absent.
     */
    public record Extent(long logical, long physical, long length, int flags) {
        public boolean shared() { return (flags & FIEMAP_EXTENT_SHARED) != 0; }
        public boolean unwritten() { return (flags & FIEMAP_EXTENT_UNWRITTEN) != 0; }
        public boolean inline() { return (flags & FIEMAP_EXTENT_DATA_INLINE) != 0; }
        /** Physical address not (yet) known: delayed allocation, inline data; never use it as a cache key. */
        public boolean unknownLocation() { return (flags & FIEMAP_EXTENT_UNKNOWN) != 0; }
        public boolean last() { return (flags & FIEMAP_EXTENT_LAST) != 0; }
        public long logicalEnd() { return logical + length; }
    }

    /** Extents covering [offset, offset+length) without forcing dirty data to disk first. */
    public static List<Extent> map(Path file, long offset, long length) throws BtrfsException {
        return map(file, offset, length, false);
    }

    /** With {@code sync}, dirty pages are written first so delayed allocations get real addresses. */
    public static List<Extent> map(Path file, long offset, long length, boolean sync) throws BtrfsException {
        if (offset < 0 || length < 0) {
            throw BtrfsException.other("FIEMAP", file, "bad range offset=" + offset + " length=" + length, null);
        }
        try (NativeFd fd = NativeFd.open("FIEMAP", file, LibC.O_RDONLY)) {
            return map(fd, offset, length, sync);
        }
    }

    /**
     * Keeps the file open for repeated lookups (the cache maps the same image over and over): saves the open
     * and close of every {@link #map(Path, long, long)} call. Thread-safe; close it when the file goes away.
     */
    public static Mapper open(Path file) throws BtrfsException {
        return new Mapper(NativeFd.open("FIEMAP", file, LibC.O_RDONLY));
    }

    public static final class Mapper implements Closeable {
        private final NativeFd fd;
        private volatile boolean closed;

        private Mapper(NativeFd fd) {
            this.fd = fd;
        }

        public List<Extent> map(long offset, long length) throws BtrfsException {
            return map(offset, length, false);
        }

        public List<Extent> map(long offset, long length, boolean sync) throws BtrfsException {
            if (closed) throw BtrfsException.other("FIEMAP", fd.path, "mapper is closed", null);
            if (offset < 0 || length < 0) {
                throw BtrfsException.other("FIEMAP", fd.path, "bad range offset=" + offset + " length=" + length, null);
            }
            return FileExtents.map(fd, offset, length, sync);
        }

        public Path file() {
            return fd.path;
        }

        /** Do not close while another thread is inside {@link #map}: the descriptor number could be reused. */
        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                fd.close();
            }
        }
    }

    static List<Extent> map(NativeFd fd, long offset, long length, boolean sync) throws BtrfsException {
        List<Extent> out = new ArrayList<>();
        if (length == 0) return out;
        long end = offset + length < 0 ? Long.MAX_VALUE : offset + length;
        int batch = SMALL_BATCH;
        Pointer buf = Memory.allocateDirect(LibC.RUNTIME, FM_HEADER + batch * FE_SIZE);
        long start = offset;
        while (start < end) {
            buf.putLong(FM_START, start);
            buf.putLong(FM_LENGTH, end - start);
            buf.putInt(FM_FLAGS, sync ? FIEMAP_FLAG_SYNC : 0);
            buf.putInt(FM_MAPPED, 0);
            buf.putInt(FM_COUNT, batch);
            buf.putInt(FM_COUNT + 4, 0);
            if (LibC.INSTANCE.ioctl(fd.fd, FS_IOC_FIEMAP, buf) < 0) {
                throw BtrfsException.errno("FIEMAP", fd.path, LibC.errno());
            }
            int mapped = buf.getInt(FM_MAPPED);
            if (mapped == 0) break;
            Extent last = null;
            for (int i = 0; i < mapped; i++) {
                int at = FM_HEADER + i * FE_SIZE;
                last = new Extent(buf.getLong(at + FE_LOGICAL), buf.getLong(at + FE_PHYSICAL),
                        buf.getLong(at + FE_LENGTH), buf.getInt(at + FE_FLAGS));
                out.add(last);
            }
            if (last.last() || mapped < batch) break;
            long next = last.logicalEnd();
            if (next <= start) break; // a kernel that does not advance must not spin us forever
            start = next;
            if (batch == SMALL_BATCH) {
                batch = LARGE_BATCH;
                buf = Memory.allocateDirect(LibC.RUNTIME, FM_HEADER + batch * FE_SIZE);
            }
        }
        return out;
    }
}
