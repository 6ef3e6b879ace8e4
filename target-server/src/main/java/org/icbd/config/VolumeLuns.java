package org.icbd.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.icbd.volume.CatalogState;
import org.icbd.volume.VolumeException;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeLayout;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;

/**
 * Resolves a LUN given as {@code clone: ws01} or {@code version: win11@3} to the image file in the
 * data root, the volume's own identity (so the disk keeps its serial and NAA wherever it is served)
 * and the snapshot whose extents it shares (so the cache holds them once). The data root is opened
 * on first use: a configuration of plain image files never touches it.
 */
public final class VolumeLuns {

    private final Path dataRoot;
    private final String dataRootKey;
    private VolumeManager volumes;

    VolumeLuns(Path dataRoot, String dataRootKey) {
        this.dataRoot = dataRoot;
        this.dataRootKey = dataRootKey;
    }

    /** A clone served read-write. */
    public static LunConfig cloneLun(VolumeManager m, long lun, VolumeName name, int blockSize, boolean cached) throws IOException {
        return cloneLun(m, lun, m.cloneInfo(name), blockSize, cached);
    }

    /** A clone as the catalog describes it (or is about to: a reset may move it to another version). */
    public static LunConfig cloneLun(VolumeManager m, long lun, CatalogState.Clone c, int blockSize, boolean cached) throws IOException {
        VolumeName name = new VolumeName(c.name());
        return new LunConfig(lun, VolumeLayout.disk(m.layout().clone(name)), false, blockSize,
                VolumeManager.cloneIdentity(c), base(m, new VolumeName(c.image()), c.version()), cached);
    }

    /** A published version, always read-only. */
    public static LunConfig versionLun(VolumeManager m, long lun, VolumeName image, int version, int blockSize, boolean cached)
            throws IOException {
        return new LunConfig(lun, m.versionDisk(image, version), true, blockSize, VolumeManager.versionIdentity(image, version),
                base(m, image, version), cached);
    }

    /** A LUN the catalog maps ('icbd lun map'): a clone read-write, a version read-only; cached, 512-byte blocks. */
    public static LunConfig mappedLun(VolumeManager m, CatalogState.LunMap map) throws IOException {
        if (map.cloneName() != null) return cloneLun(m, map.lun(), new VolumeName(map.cloneName()), 512, true);
        VersionSpec v = VersionSpec.parse(map.version());
        return versionLun(m, map.lun(), v.image(), v.version(), 512, true);
    }

    private static SharedBase base(VolumeManager m, VolumeName image, int version) throws IOException {
        // a version not here yet (a standby gets it by replication) shares nothing until it is
        if (!Files.isDirectory(m.layout().version(image, version))) return null;
        return m.versionSnapshotId(image, version).map(id -> new SharedBase(uncheckedDisk(m, image, version), id)).orElse(null);
    }

    private static Path uncheckedDisk(VolumeManager m, VolumeName image, int version) {
        return VolumeLayout.disk(m.layout().version(image, version));
    }

    LunConfig clone(ConfigNode lun, long number, String name, int blockSize, boolean cached) throws ConfigException {
        return resolve(lun, "clone", m -> cloneLun(m, number, new VolumeName(name), blockSize, cached));
    }

    /** {@code IMAGE@N}; a bare {@code IMAGE} is refused, since the newest version changes when one is published. */
    LunConfig version(ConfigNode lun, long number, String spec, int blockSize, boolean cached) throws ConfigException {
        return resolve(lun, "version", m -> {
            VersionSpec v = VersionSpec.parse(spec);
            return versionLun(m, number, v.image(), v.version(), blockSize, cached);
        });
    }

    @FunctionalInterface
    private interface Resolution {
        LunConfig from(VolumeManager volumes) throws IOException;
    }

    /** Runs {@code resolution} on the data root; what goes wrong is reported at {@code key} of the LUN. */
    private LunConfig resolve(ConfigNode lun, String key, Resolution resolution) throws ConfigException {
        try {
            return resolution.from(volumes(lun));
        } catch (VolumeException e) {
            throw lun.error(key, e.getMessage());
        } catch (IOException e) {
            throw lun.error(key, catalogUnreadable(e));
        }
    }

    private String catalogUnreadable(IOException e) {
        return "cannot read the catalog in " + dataRoot + ": " + e.getMessage();
    }

    /**
     * The LUNs the catalog maps onto {@code iqn} ('icbd lun map'); none when the data root does not
     * exist yet (a node that serves plain files only).
     */
    List<LunConfig> mapped(ConfigNode target, String iqn) throws ConfigException {
        if (volumes == null && !Files.isDirectory(dataRoot)) return List.of();
        List<LunConfig> out = new ArrayList<>();
        try {
            VolumeManager m = volumes(target);
            for (CatalogState.LunMap map : m.state().lunsOf(iqn.toLowerCase(Locale.ROOT))) out.add(mappedLun(m, map));
        } catch (VolumeException e) {
            throw target.error("a LUN mapped with 'icbd lun map' cannot be served: " + e.getMessage());
        } catch (IOException e) {
            throw target.error(catalogUnreadable(e));
        }
        return out;
    }

    private VolumeManager volumes(ConfigNode lun) throws ConfigException, IOException {
        if (volumes == null) {
            if (!Files.isDirectory(dataRoot)) {
                throw new ConfigException(dataRootKey, dataRoot + " does not exist; set 'data-root:' to the directory"
                        + " 'icbd image' and 'icbd clone' use (" + lun.path() + " needs it)");
            }
            volumes = VolumeManager.open(dataRoot);
        }
        return volumes;
    }
}
