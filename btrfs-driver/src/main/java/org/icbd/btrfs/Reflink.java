package org.icbd.btrfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whole-file copy that shares the source's extents instead of copying bytes (FICLONE). */
public final class Reflink {
    private static final long FICLONE = 0x40049409L;

    private Reflink() {
    }

    /**
     * Makes {@code dst} (created or truncated) share all extents of {@code src}. Throws with EXDEV across file
     * systems and EOPNOTSUPP where the file system cannot share extents; a {@code dst} this call created is
     * removed again on failure.
     */
    public static void copy(Path src, Path dst) throws BtrfsException {
        try (NativeFd in = NativeFd.open("FICLONE", src, LibC.O_RDONLY)) {
            boolean existed = Files.exists(dst);
            if (existed && sameFile(src, dst)) {
                // opening dst with O_TRUNC would empty the source before the kernel could refuse
                throw BtrfsException.errno("FICLONE", dst, 22, "source and destination are the same file");
            }
            boolean ok = false;
            try (NativeFd out = NativeFd.open("FICLONE", dst, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_TRUNC, 0644)) {
                if (LibC.INSTANCE.ioctl(out.fd, FICLONE, (long) in.fd) < 0) {
                    throw BtrfsException.errno("FICLONE", dst, LibC.errno());
                }
                ok = true;
            } finally {
                if (!ok && !existed) {
                    try {
                        Files.deleteIfExists(dst);
                    } catch (IOException ignored) {
                        // the clone error is the one worth reporting
                    }
                }
            }
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
