package org.icbd.btrfs;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * The few libc calls the driver needs, bound once per JVM: the proxy and its runtime are built at class
 * initialisation so the hot path (FIEMAP) pays no reflection per call. Public only because jnr-ffi generates
 * its implementation in another class loader; not part of the driver's API.
 */
public interface LibC {
    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_RDWR = 2;
    int O_CREAT = 0x40;
    int O_TRUNC = 0x200;
    int O_DIRECTORY = 0x10000;
    int O_CLOEXEC = 0x80000;

    LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");
    Runtime RUNTIME = Runtime.getRuntime(INSTANCE);

    @SaveError int open(String path, int flags, int mode);
    int close(int fd);
    @SaveError int ioctl(int fd, long request, Pointer arg);
    @SaveError int ioctl(int fd, long request, long arg);
    @SaveError int fallocate(int fd, int mode, long offset, long length);
    /** Returns the error number itself (0 on success), not -1 and errno. */
    int posix_fadvise(int fd, long offset, long length, int advice);
    @SaveError int statfs(String path, Pointer buf);
    int geteuid();

    static int errno() {
        return LastError.getLastError(RUNTIME);
    }
}
