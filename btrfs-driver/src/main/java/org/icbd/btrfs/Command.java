package org.icbd.btrfs;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.icbd.exec.ExternalCommand;

/** btrfs-progs, mkfs, losetup and mount through {@link ExternalCommand}, their failures as {@link BtrfsException}s. */
final class Command {

    /** A send or a balance aside, btrfs-progs finish in seconds; this only stops a hung one. */
    private static final Duration LIMIT = Duration.ofMinutes(5);

    private Command() {
    }

    static ExternalCommand.Result run(List<String> argv) throws IOException {
        return ExternalCommand.run(argv, LIMIT);
    }

    /** Runs and throws a {@link BtrfsException} naming {@code operation} and {@code path} on a non-zero exit. */
    static ExternalCommand.Result check(String operation, Path path, List<String> argv) throws BtrfsException {
        ExternalCommand.Result r;
        try {
            r = run(argv);
        } catch (IOException e) {
            throw BtrfsException.other(operation, path, e.getMessage(), e);
        }
        if (!r.ok()) throw BtrfsException.progs(operation, path, r.exit(), r.stderr());
        return r;
    }

    /** Like {@link ExternalCommand#which} but for a program the caller cannot do without. */
    static String require(String program) throws BtrfsException {
        return ExternalCommand.which(program).orElseThrow(() -> BtrfsException.other("exec", Path.of(program), "not found on PATH", null));
    }
}
