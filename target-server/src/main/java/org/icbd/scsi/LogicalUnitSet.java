package org.icbd.scsi;

import java.util.Collections;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import org.icbd.storage.BlockDevice;

/**
 * The command layer of one target: a set of logical units keyed by LUN number.
 * (Placeholder signature; the SCSI command set replaces the body.)
 */
public final class LogicalUnitSet implements ScsiTarget {

    private final String targetName;
    private final SortedMap<Long, BlockDevice> devices;

    public LogicalUnitSet(String targetName, SortedMap<Long, BlockDevice> devices) {
        this.targetName = targetName;
        this.devices = Collections.unmodifiableSortedMap(new TreeMap<>(devices));
    }

    @Override
    public ScsiResponse execute(ScsiRequest request) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    @Override
    public SortedSet<Long> luns() {
        return Collections.unmodifiableSortedSet(new java.util.TreeSet<>(devices.keySet()));
    }

    @Override
    public void lunReset(long lun, Nexus requester) {
    }

    @Override
    public void targetReset(Nexus requester) {
    }

    @Override
    public void nexusAdded(Nexus nexus) {
    }

    @Override
    public void nexusRemoved(Nexus nexus) {
    }
}
