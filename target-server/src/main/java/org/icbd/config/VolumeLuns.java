package org.icbd.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.icbd.storage.LunIdentity;
import org.icbd.volume.VolumeException;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;

/**
 * Resolves a LUN given as {@code clone: ws01} or {@code version: win11@3} to the image file in the
 * data root and the volume's own identity, so the disk keeps its serial and NAA wherever it is served.
 * The data root is opened on first use: a configuration of plain image files never touches it.
 */
final class VolumeLuns {

    /** What a volume LUN stands for once resolved. */
    record Resolved(Path path, LunIdentity identity) {
    }

    private final Path dataRoot;
    private final String dataRootKey;
    private VolumeManager volumes;

    VolumeLuns(Path dataRoot, String dataRootKey) {
        this.dataRoot = dataRoot;
        this.dataRootKey = dataRootKey;
    }

    Resolved clone(ConfigNode lun, String name) throws ConfigException {
        try {
            VolumeName clone = new VolumeName(name);
            VolumeManager m = volumes(lun);
            return new Resolved(m.cloneDisk(clone), m.cloneIdentity(clone));
        } catch (VolumeException e) {
            throw lun.error("clone", e.getMessage());
        } catch (IOException e) {
            throw lun.error("clone", "cannot read the catalog in " + dataRoot + ": " + e.getMessage());
        }
    }

    /** {@code IMAGE@N}; a bare {@code IMAGE} is refused, since the newest version changes when one is published. */
    Resolved version(ConfigNode lun, String spec) throws ConfigException {
        int at = spec.lastIndexOf('@');
        if (at <= 0) throw lun.error("version", "expected IMAGE@N (for example win11@3); got '" + spec + "'");
        int n;
        try {
            n = Integer.parseInt(spec.substring(at + 1));
        } catch (NumberFormatException e) {
            throw lun.error("version", "expected IMAGE@N with N a version number; got '" + spec + "'");
        }
        try {
            VolumeName image = new VolumeName(spec.substring(0, at));
            return new Resolved(volumes(lun).versionDisk(image, n), VolumeManager.versionIdentity(image, n));
        } catch (VolumeException e) {
            throw lun.error("version", e.getMessage());
        } catch (IOException e) {
            throw lun.error("version", "cannot read the catalog in " + dataRoot + ": " + e.getMessage());
        }
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
