package org.icbd.failover;

import java.util.regex.Pattern;

/**
 * The names a replication stream or a write-log record may carry (volumes, checkpoints): they become
 * directory and file names on the standby, so nothing a path or a shell reads specially. Besides the
 * characters of an image or clone name, '@' is allowed: a leader names an image's work copy
 * {@code <image>@work}, which no clone can be called.
 */
public final class ReplicaName {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}");

    private ReplicaName() {
    }

    public static boolean valid(String name) {
        return name != null && NAME.matcher(name).matches() && !name.contains("..");
    }
}
