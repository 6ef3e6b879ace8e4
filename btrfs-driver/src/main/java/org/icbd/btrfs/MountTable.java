package org.icbd.btrfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The mounts of this process ({@code /proc/self/mountinfo}), enough to find which btrfs holds a path. */
final class MountTable {
    /** {@code root} is the path inside the file system that is mounted at {@code mountPoint} ("/a" for subvol=a). */
    record Mount(String root, Path mountPoint, String fsType, String source) {
    }

    private MountTable() {
    }

    static List<Mount> parse(String mountinfo) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash < 6 || f.length < dash + 3) throw new IllegalArgumentException("unexpected mountinfo line: " + line);
            mounts.add(new Mount(unescape(f[3]), Path.of(unescape(f[4])), f[dash + 1], unescape(f[dash + 2])));
        }
        return mounts;
    }

    /** The innermost mount containing {@code realPath} (later mounts shadow earlier ones on the same point). */
    static Optional<Mount> containing(List<Mount> mounts, Path realPath) {
        Mount best = null;
        for (Mount m : mounts) {
            if (realPath.startsWith(m.mountPoint())
                    && (best == null || m.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    static Optional<Mount> containing(Path path) throws IOException {
        return containing(parse(Files.readString(Path.of("/proc/self/mountinfo"))), path.toRealPath());
    }

    /** mountinfo writes space, tab, newline and backslash as \ooo octal escapes. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
