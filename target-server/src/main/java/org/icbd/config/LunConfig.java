package org.icbd.config;

import java.nio.file.Path;
import org.icbd.scsi.ScsiTarget;
import org.icbd.storage.LunIdentity;

/**
 * One logical unit of a target: an image file served under a LUN number.
 *
 * @param lun       LUN number (0 to 16383: peripheral addressing below 256, flat above)
 * @param path      the image file (absolute)
 * @param readOnly  refuse every write (DATA PROTECT)
 * @param blockSize logical block size, 512 or 4096
 * @param identity  the volume's own identity (clones and versions), or {@code null} to derive one from the file
 * @param base      the snapshot the image shares extents with, or {@code null} (plain files, or not on btrfs)
 * @param cached    read through the node's block cache (when the cache is on)
 * @param syncReplication a writable clone's own replication mode in a cluster ({@code true}: sync,
 *                  {@code false}: async), or {@code null} for the cluster's mode
 */
public record LunConfig(long lun, Path path, boolean readOnly, int blockSize, LunIdentity identity, SharedBase base,
                        boolean cached, Boolean syncReplication) {

    /** The highest LUN number a configuration may give (the SCSI layer's). */
    public static final long MAX_LUN = ScsiTarget.MAX_LUN;

    public LunConfig(long lun, Path path, boolean readOnly, int blockSize, LunIdentity identity, SharedBase base,
                     boolean cached) {
        this(lun, path, readOnly, blockSize, identity, base, cached, null);
    }

    public LunConfig(long lun, Path path, boolean readOnly, int blockSize) {
        this(lun, path, readOnly, blockSize, null, null, true);
    }

    /** This LUN with its own replication mode. */
    public LunConfig withSyncReplication(boolean sync) {
        return new LunConfig(lun, path, readOnly, blockSize, identity, base, cached, sync);
    }
}
