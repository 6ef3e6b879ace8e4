package org.icbd.btrfs;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Frees the blocks behind a byte range of a file without changing its size, so the range reads as zeros
 * and its space returns to the file system (SCSI UNMAP). Keeps one O_RDWR descriptor open.
 */
public final class HolePuncher implements Closeable {
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;

    private final NativeFd fd;

    private HolePuncher(NativeFd fd) {
        this.fd = fd;
    }

    public static HolePuncher open(Path file) throws BtrfsException {
        return new HolePuncher(NativeFd.open("PUNCH_HOLE", file, LibC.O_RDWR));
    }

    /** Deallocates [offset, offset+length); partial blocks at the edges are zeroed by the kernel. */
    public void punch(long offset, long length) throws BtrfsException {
        if (offset < 0 || length <= 0) {
            throw BtrfsException.other("PUNCH_HOLE", fd.path, "bad range offset=" + offset + " length=" + length, null);
        }
        int rc = LibC.INSTANCE.fallocate(fd.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
        if (rc != 0) throw BtrfsException.errno("PUNCH_HOLE", fd.path, LibC.errno());
    }

    /**
     * Whether the file system under {@code file} punches holes. Probes by punching one block just past the end
     * of the file, which changes no data; do not call it while another writer extends the same file.
     */
    public static boolean supported(Path file) {
        try (HolePuncher p = open(file)) {
            long end = Files.size(file);
            long past = (end + 4095) & ~4095L;
            return LibC.INSTANCE.fallocate(p.fd.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, past, 4096) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
