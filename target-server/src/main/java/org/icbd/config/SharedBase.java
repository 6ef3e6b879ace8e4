package org.icbd.config;

import java.nio.file.Path;
import java.util.UUID;

/**
 * The read-only snapshot whose extents a LUN's image may share: a clone's version, or a version
 * itself. The cache keys the chunks a LUN provably shares with it by the snapshot, so all clones of
 * one version hold them once.
 *
 * @param file     the image file inside the snapshot
 * @param snapshot the snapshot subvolume's UUID (a new snapshot is a new UUID, never confused with an old one)
 */
public record SharedBase(Path file, UUID snapshot) {
}
