package org.icbd.btrfs;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code btrfs subvolume list -u -q -R} output. The path is everything after " path " (it may contain
 * spaces); uuids print as "-" when absent. Paths are as btrfs-progs prints them, which depends on the mount.
 */
final class SubvolumeListing {
    record Entry(long id, long generation, long topLevel, Optional<UUID> parentUuid, Optional<UUID> receivedUuid,
                 UUID uuid, String path) {
    }

    private static final String UUID_OR_DASH = "(-|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})";
    private static final Pattern LINE = Pattern.compile(
            "ID (\\d+) gen (\\d+) top level (\\d+) +parent_uuid " + UUID_OR_DASH + " +received_uuid " + UUID_OR_DASH
                    + " +uuid " + UUID_OR_DASH + " +path (.+)");

    private SubvolumeListing() {
    }

    static List<Entry> parse(String output) {
        List<Entry> entries = new ArrayList<>();
        for (String line : output.split("\n", -1)) {
            if (line.isBlank()) continue;
            Matcher m = LINE.matcher(line);
            if (!m.matches()) throw new IllegalArgumentException("unexpected 'btrfs subvolume list' line: " + line);
            Optional<UUID> uuid = uuid(m.group(6));
            if (uuid.isEmpty()) throw new IllegalArgumentException("subvolume without uuid: " + line);
            entries.add(new Entry(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    uuid(m.group(4)), uuid(m.group(5)), uuid.get(), m.group(7)));
        }
        return entries;
    }

    private static Optional<UUID> uuid(String s) {
        return s.equals("-") ? Optional.empty() : Optional.of(UUID.fromString(s));
    }
}
