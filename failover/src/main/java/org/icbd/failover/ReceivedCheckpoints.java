package org.icbd.failover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.icbd.btrfs.Btrfs;
import org.icbd.btrfs.BtrfsException;
import org.icbd.btrfs.Subvolume;

/**
 * The checkpoints of a volume a standby holds complete ({@code <replicas>/<volume>/<volume>.<epoch>.<seq>}).
 * The receiver gives a checkpoint its name only once complete (see {@link ReplicationReceiver}); a
 * complete one is read-only and has a received uuid ({@code btrfs receive} sets both as its last step),
 * and that is checked here again, so a subvolume under a checkpoint's name that is not complete (left by
 * an older release that received under the final name, or made by hand) is never taken for one: nothing
 * is promoted from it, sent against it, or trimmed from the write log for it.
 */
public final class ReceivedCheckpoints {

    private static final Btrfs BTRFS = new Btrfs();

    private ReceivedCheckpoints() {
    }

    /** The newest complete checkpoint of {@code volume} in {@code dir}, if any. */
    public static Optional<Path> newestComplete(Path dir, String volume) throws IOException {
        if (!Files.isDirectory(dir)) return Optional.empty();
        List<Path> named;
        try (var s = Files.list(dir)) {
            named = s.filter(p -> CheckpointName.parse(volume, p.getFileName().toString()).isPresent())
                    .sorted(Comparator.comparing((Path p) -> CheckpointName.parse(volume, p.getFileName().toString()).orElseThrow(),
                            CheckpointName.ORDER).reversed())
                    .toList();
        }
        for (Path p : named) if (complete(p)) return Optional.of(p);
        return Optional.empty();
    }

    /** Whether {@code p} is a subvolume btrfs receive finished: read-only, with a received uuid. */
    public static boolean complete(Path p) {
        try {
            Subvolume s = BTRFS.show(p);
            return s.readOnly() && s.receivedUuid().isPresent();
        } catch (BtrfsException e) {
            return false;
        }
    }
}
