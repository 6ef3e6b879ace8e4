package org.icbd.failover;

import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoint names, {@code <volume>.<epoch>.<seq>}: ordered by epoch, then sequence, so the newest
 * checkpoint of a volume is the one a later leader took last, whichever node took it.
 */
public final class CheckpointName {

    private static final Pattern NAME = Pattern.compile("(.+)\\.(\\d+)\\.(\\d+)");

    /** Orders {epoch, seq} pairs. */
    public static final Comparator<long[]> ORDER = Comparator.<long[]>comparingLong(a -> a[0]).thenComparingLong(a -> a[1]);

    private CheckpointName() {
    }

    /** {epoch, seq} of {@code name} when it is a checkpoint of {@code volume}. */
    public static Optional<long[]> parse(String volume, String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches() || !m.group(1).equals(volume)) return Optional.empty();
        return Optional.of(new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
    }
}
