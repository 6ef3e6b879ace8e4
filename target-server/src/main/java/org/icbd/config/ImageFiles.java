package org.icbd.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Checks an image file before it is served, so a bad path is a config error, not a failed open later. */
public final class ImageFiles {

    private ImageFiles() {
    }

    /** Why {@code path} cannot be served as a LUN with these settings, or empty. */
    public static Optional<String> problem(Path path, boolean readOnly, int blockSize) {
        if (blockSize != 512 && blockSize != 4096) {
            return Optional.of("block size must be 512 or 4096; got " + blockSize);
        }
        if (!Files.exists(path)) {
            return Optional.of("image file " + path + " does not exist; create it (e.g. truncate -s 10G " + path + ") or fix the path");
        }
        if (!Files.isRegularFile(path)) return Optional.of(path + " is not a regular file; a LUN is backed by an image file");
        if (!Files.isReadable(path)) return Optional.of("cannot read " + path + "; check its permissions");
        if (!readOnly && !Files.isWritable(path)) {
            return Optional.of("cannot write " + path + "; fix its permissions or export it read-only");
        }
        try {
            long size = Files.size(path);
            if (size < blockSize) {
                return Optional.of(path + " holds " + size + " bytes, less than one " + blockSize + "-byte block; grow it (truncate -s 1G)");
            }
        } catch (IOException e) {
            return Optional.of("cannot read the size of " + path + ": " + e.getMessage());
        }
        return Optional.empty();
    }
}
