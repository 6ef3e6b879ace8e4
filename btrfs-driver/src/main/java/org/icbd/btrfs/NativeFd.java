package org.icbd.btrfs;

import java.nio.file.Path;

/** An open file descriptor owned by a try-with-resources block. */
final class NativeFd implements AutoCloseable {
    final int fd;
    final Path path;

    private NativeFd(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    static NativeFd open(String operation, Path path, int flags) throws BtrfsException {
        return open(operation, path, flags, 0);
    }

    static NativeFd open(String operation, Path path, int flags, int mode) throws BtrfsException {
        int fd = LibC.INSTANCE.open(path.toString(), flags | LibC.O_CLOEXEC, mode);
        if (fd < 0) throw BtrfsException.errno(operation + " (open)", path, LibC.errno());
        return new NativeFd(fd, path);
    }

    @Override
    public void close() {
        LibC.INSTANCE.close(fd);
    }
}
