package org.icbd.workstation;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.icbd.group.Groups;
import org.icbd.volume.CatalogState;
import org.icbd.volume.DiskMode;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeException;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;

/**
 * Workstations as an administrator manages them: each gets its own disk (a clone), its own target and
 * its own CHAP secret when it is added, by hand or by the boot endpoint enrolling an unknown MAC.
 */
public final class Workstations {

    /** Target names are this plus ':' and the workstation's name, unless the site names another prefix. */
    public static final String DEFAULT_IQN_PREFIX = "iqn.2026-11.org.icbd.workstation";

    private final VolumeManager volumes;

    public Workstations(VolumeManager volumes) {
        this.volumes = volumes;
    }

    public VolumeManager volumes() {
        return volumes;
    }

    /** The target name of workstation {@code name} under {@code prefix} (IQNs are lower case, without '_'). */
    public static String iqn(String prefix, VolumeName name) {
        return prefix + ":" + name.value().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Adds a workstation booting {@code image} (its newest version unless one is given) in {@code mode}. */
    public CatalogState.Workstation add(VolumeName name, List<MacAddress> macs, VersionSpec image, DiskMode mode, String iqnPrefix)
            throws IOException {
        return add(name, macs, image, mode, iqnPrefix, null);
    }

    /**
     * Adds a workstation to {@code group} (null: none), which gives it the image and mode it is not given
     * ({@code image} and {@code mode} may then be null); a member follows its group's version unless pinned.
     */
    public CatalogState.Workstation add(VolumeName name, List<MacAddress> macs, VersionSpec image, DiskMode mode, String iqnPrefix,
                                        String group) throws IOException {
        if (macs.isEmpty()) throw new VolumeException(VolumeException.Kind.INVALID, "a workstation needs at least one MAC (--mac)");
        if (group != null) {
            CatalogState.Group g = new Groups(volumes).info(new VolumeName(group));
            if (image != null && !image.image().value().equals(g.image())) {
                throw new VolumeException(VolumeException.Kind.INVALID, "group " + group + "'s workstations boot image " + g.image()
                        + ", not " + image.image() + "; leave --image out or pick another group");
            }
            if (image == null) image = new VersionSpec(new VolumeName(g.image()), 0);
            if (mode == null) mode = g.mode();
        }
        if (image == null) throw new VolumeException(VolumeException.Kind.INVALID, "a workstation needs an image (--image) or a group (--group)");
        if (mode == null) mode = DiskMode.PERSISTENT;
        List<String> distinct = macs.stream().map(MacAddress::value).distinct().toList();
        var w = new CatalogState.Workstation(name.value(), distinct, image.image().value(), image.version(), mode,
                iqn(iqnPrefix, name), name.value(), ChapSecrets.generate(), Instant.now().toString(), group);
        return volumes.addWorkstation(w);
    }

    /**
     * Resets a workstation's disk to {@code version} (0: the one it boots, its pinned version or its image's newest).
     * A {@code version} given pins it there.
     */
    public CatalogState.Clone reset(VolumeName name, int version) throws IOException {
        CatalogState.Workstation w = volumes.workstationInfo(name);
        if (version != 0 && version != w.version()) {
            w = volumes.updateWorkstation(name, x -> x.with(x.macs(), x.image(), version, x.mode()));
        }
        int v = VolumeManager.bootVersion(volumes.state(), w);
        return volumes.resetClone(new VolumeName(w.clone()), v);
    }
}
