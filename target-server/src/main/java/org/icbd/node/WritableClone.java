package org.icbd.node;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.icbd.config.IcbdConfig;
import org.icbd.config.LunConfig;
import org.icbd.config.TargetConfig;

/**
 * A writable clone LUN of a cluster, the unit of replication: its volume name (the clone's name, also
 * its replica directory on the standbys), its subvolume, the image file in it, and the target serving it.
 */
record WritableClone(String name, Path subvolume, Path disk, String targetIqn) {

    /** The configuration's writable LUNs; the loader has made sure each one is a clone. */
    static List<WritableClone> of(IcbdConfig config) {
        List<WritableClone> out = new ArrayList<>();
        for (TargetConfig t : config.targets()) {
            for (LunConfig lun : t.luns()) {
                if (lun.readOnly()) continue;
                Path volume = lun.path().getParent();
                out.add(new WritableClone(volume.getFileName().toString(), volume, lun.path(), t.iqn().toLowerCase(Locale.ROOT)));
            }
        }
        return out;
    }
}
