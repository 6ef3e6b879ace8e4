package org.icbd.btrfs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

import jnr.constants.platform.Errno;

/**
 * A failed btrfs operation: what was attempted, on which path, and why in the kernel's words (errno) or
 * btrfs-progs' words (exit status and stderr). The message reads like
 * {@code FICLONE /x/y: EXDEV (Invalid cross-device link)}.
 */
public final class BtrfsException extends IOException {
    private final String operation;
    private final Path path;
    private final int errno;
    private final int exitStatus;
    private final String stderr;

    private BtrfsException(String operation, Path path, int errno, int exitStatus, String stderr, String message,
                           Throwable cause) {
        super(message, cause);
        this.operation = operation;
        this.path = path;
        this.errno = errno;
        this.exitStatus = exitStatus;
        this.stderr = stderr;
    }

    /** A system call failed with {@code errno}. */
    public static BtrfsException errno(String operation, Path path, int errno) {
        return new BtrfsException(operation, path, errno, -1, "",
                operation + " " + path + ": " + describe(errno), null);
    }

    /** A system call failed with {@code errno}; {@code detail} says what that means here. */
    public static BtrfsException errno(String operation, Path path, int errno, String detail) {
        return new BtrfsException(operation, path, errno, -1, "",
                operation + " " + path + ": " + describe(errno) + ": " + detail, null);
    }

    /** A btrfs-progs command exited with {@code exitStatus}; {@code stderr} is what it printed. */
    public static BtrfsException progs(String operation, Path path, int exitStatus, String stderr) {
        String tail = stderr.strip();
        return new BtrfsException(operation, path, 0, exitStatus, tail,
                operation + " " + path + ": exit " + exitStatus + (tail.isEmpty() ? "" : ": " + tail), null);
    }

    /** Something else went wrong (bad argument, truncated stream, I/O around a process). */
    public static BtrfsException other(String operation, Path path, String reason, Throwable cause) {
        return new BtrfsException(operation, path, 0, -1, "", operation + " " + path + ": " + reason, cause);
    }

    /** "EXDEV (Invalid cross-device link)", or "errno 4711" for a number the platform table lacks. */
    static String describe(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.name() + " (" + e.description() + ")";
    }

    public String operation() { return operation; }
    public Path path() { return path; }
    /** The kernel's errno, 0 when the failure did not come from a system call. */
    public int errno() { return errno; }
    /** The errno's symbolic name (EXDEV, EOPNOTSUPP...) if this came from a system call. */
    public Optional<String> errnoName() {
        if (errno == 0) return Optional.empty();
        Errno e = Errno.valueOf(errno);
        return Optional.of(e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.name());
    }
    /** btrfs-progs' exit status, -1 when no process was involved. */
    public int exitStatus() { return exitStatus; }
    /** btrfs-progs' stderr, empty when no process was involved. */
    public String stderr() { return stderr; }
}
