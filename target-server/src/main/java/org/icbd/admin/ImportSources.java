package org.icbd.admin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.icbd.admin.AdminApi.Refused;

/**
 * The directories an image import through the admin API may read from. The API runs with the node's
 * rights (root, as a rule), so without this a token holder could copy any file, the token itself or
 * {@code /etc/shadow}, into an image and read it back through iSCSI.
 *
 * <p>A source is checked twice: as written (after {@code ..} is folded, so nothing outside is even
 * looked at) and after every symlink is resolved (so a link inside a directory cannot point out of it).
 * The resolved path is what gets copied.
 */
public final class ImportSources {

    private final List<Path> dirs;

    public ImportSources(List<Path> dirs) {
        if (dirs.isEmpty()) throw new IllegalArgumentException("at least one import directory");
        this.dirs = dirs.stream().map(d -> d.toAbsolutePath().normalize()).toList();
    }

    public List<Path> dirs() {
        return dirs;
    }

    /** The real path of {@code source} (relative to the first directory unless absolute), or why it may not be read. */
    Path resolve(String source) throws Refused {
        if (source.isEmpty() || source.indexOf('\0') >= 0) throw new Refused(400, "'source' must be a file name");
        Path asked = dirs.getFirst().resolve(source).normalize();
        if (!inside(asked, dirs)) throw outside(source);
        Path real;
        try {
            real = asked.toRealPath();
        } catch (NoSuchFileException e) {
            throw new Refused(404, "cannot import " + source + ": no such file in " + where());
        } catch (IOException e) {
            throw new Refused(404, "cannot import " + source + ": " + e.getMessage());
        }
        if (!inside(real, realDirs())) throw outside(source);
        if (!Files.isRegularFile(real)) throw new Refused(404, "cannot import " + source + ": not a regular file");
        return real;
    }

    private List<Path> realDirs() {
        return dirs.stream().flatMap(d -> {
            try {
                return Stream.of(d.toRealPath());
            } catch (IOException e) {
                return Stream.empty();
            }
        }).toList();
    }

    private static boolean inside(Path p, List<Path> dirs) {
        return dirs.stream().anyMatch(d -> p.startsWith(d) && !p.equals(d));
    }

    private Refused outside(String source) {
        return new Refused(403, "cannot import " + source + ": images are imported only from " + where()
                + " (admin.import-dirs in the configuration); copy or move the file there first");
    }

    private String where() {
        return dirs.size() == 1 ? dirs.getFirst().toString() : dirs.toString();
    }
}
