package org.icbd.btrfs;

import java.nio.file.Path;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** Subvolumes, snapshots and send/receive on btrfs. Thread-safe and stateless. */
public final class Btrfs {
    static final long BTRFS_SUPER_MAGIC = 0x9123683EL;

    /** True when {@code p} lives on a btrfs (statfs f_type); false for other file systems and missing paths. */
    public boolean isBtrfs(Path p) {
        try (NativeFd fd = NativeFd.open("statfs", p, LibC.O_RDONLY)) {
            Pointer buf = Memory.allocateDirect(LibC.RUNTIME, 256);
            if (LibC.INSTANCE.fstatfs(fd.fd, buf) != 0) return false;
            return (buf.getLong(0) & 0xFFFFFFFFL) == BTRFS_SUPER_MAGIC; // f_type is the first field
        } catch (BtrfsException e) {
            return false;
        }
    }
}
