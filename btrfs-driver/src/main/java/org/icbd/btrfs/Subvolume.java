package org.icbd.btrfs;

import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * A btrfs subvolume as the kernel describes it. {@code parentUuid} is set on snapshots (the uuid of what was
 * snapshotted), {@code receivedUuid} on subvolumes made by {@code btrfs receive} (the uuid of the sent one).
 */
public record Subvolume(Path path, long id, UUID uuid, Optional<UUID> parentUuid, Optional<UUID> receivedUuid,
                        long generation, boolean readOnly) {
}
