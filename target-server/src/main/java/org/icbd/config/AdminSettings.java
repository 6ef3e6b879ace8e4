package org.icbd.config;

import java.nio.file.Path;

/**
 * The HTTP admin API.
 *
 * @param listen    where it listens (loopback unless a TLS proxy fronts it)
 * @param tokenFile the bearer token clients present; made (random, mode 0600) when missing
 */
public record AdminSettings(HostPort listen, Path tokenFile) {
}
