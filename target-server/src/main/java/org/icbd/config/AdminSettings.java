package org.icbd.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The HTTP admin API.
 *
 * @param listen     where it listens (loopback unless a TLS proxy fronts it)
 * @param tokenFile  the bearer token clients present; made (random, mode 0600) when missing
 * @param importDirs the only directories an image import may read from (default {@code <data-root>/import}):
 *                   the API must not copy any file the node can read, its own token included, into an image
 */
public record AdminSettings(HostPort listen, Path tokenFile, List<Path> importDirs) {

    public AdminSettings {
        importDirs = List.copyOf(importDirs);
    }
}
