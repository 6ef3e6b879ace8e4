package org.icbd.btrfs;

import java.io.Closeable;
import java.nio.file.Path;

/**
 * Tells the kernel a file range need not stay in the page cache ({@code posix_fadvise DONTNEED}), for
 * data the caller caches itself: without it the same bytes sit in memory twice. Advice only: a
 * failure changes nothing but memory use, so it is reported, never fatal.
 */
public final class PageCacheDropper implements Closeable {

    private static final int POSIX_FADV_DONTNEED = 4;

    private final NativeFd fd;

    private PageCacheDropper(NativeFd fd) {
        this.fd = fd;
    }

    public static PageCacheDropper open(Path file) throws BtrfsException {
        return new PageCacheDropper(NativeFd.open("FADVISE", file, LibC.O_RDONLY));
    }

    /** Drops clean cached pages of [offset, offset+length); returns false when the kernel refused. */
    public boolean drop(long offset, long length) {
        return LibC.INSTANCE.posix_fadvise(fd.fd, offset, length, POSIX_FADV_DONTNEED) == 0;
    }

    @Override
    public void close() {
        fd.close();
    }
}
