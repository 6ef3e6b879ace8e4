package org.icbd.node;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.icbd.config.LunConfig;
import org.icbd.config.StaticTargetRegistry;
import org.icbd.config.VolumeLuns;
import org.icbd.storage.BlockDevice;
import org.icbd.storage.SwitchableBlockDevice;
import org.icbd.volume.CatalogState;
import org.icbd.volume.CloneUsers;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;

/**
 * The clones a running node serves, each behind a {@link SwitchableBlockDevice}, so that a reset
 * (from the CLI through the node, from the admin API, or at a workstation's boot) switches the LUN to
 * the clone's new subvolume before the old one is deleted: the next read sees the version's bytes.
 */
public final class ServedClones implements CloneUsers {

    private record Served(LunConfig lun, SwitchableBlockDevice device) {
    }

    private final VolumeManager volumes;
    private final StaticTargetRegistry.DeviceOpener opener;
    private final Map<String, Served> served = new ConcurrentHashMap<>();

    public ServedClones(VolumeManager volumes, StaticTargetRegistry.DeviceOpener opener) {
        this.volumes = volumes;
        this.opener = opener;
    }

    public VolumeManager volumes() {
        return volumes;
    }

    /** Opens LUNs with {@code opener}; those that are clones of this data root become switchable. */
    public StaticTargetRegistry.DeviceOpener opener() {
        return lun -> {
            String clone = cloneOf(lun.path());
            if (clone == null || lun.readOnly()) return opener.open(lun);
            return open(new VolumeName(clone), lun);
        };
    }

    /** Opens a clone's LUN and keeps it switchable. */
    public SwitchableBlockDevice open(VolumeName clone, LunConfig lun) throws IOException {
        SwitchableBlockDevice device = new SwitchableBlockDevice(opener.open(lun));
        served.put(clone.value(), new Served(lun, device));
        return device;
    }

    /** Forgets a clone no longer served (its device is closed by whoever closed the LUN). */
    public void forget(VolumeName clone) {
        served.remove(clone.value());
    }

    @Override
    public void replaced(CatalogState.Clone clone) throws IOException {
        Served s = served.get(clone.name());
        if (s == null) return;
        // the clone may have moved to another version: its sharing is described anew
        LunConfig fresh = VolumeLuns.cloneLun(volumes, s.lun().lun(), clone, s.lun().blockSize(), s.lun().cached());
        if (s.lun().syncReplication() != null) fresh = fresh.withSyncReplication(s.lun().syncReplication());
        s.device().switchTo(opener.open(fresh));
    }

    private String cloneOf(Path disk) {
        Path volume = disk.getParent();
        if (volume == null || volume.getParent() == null) return null;
        return volume.getParent().equals(volumes.layout().clones()) ? volume.getFileName().toString() : null;
    }
}
