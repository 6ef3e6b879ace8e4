package org.icbd.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.icbd.config.IcbdConfig;
import org.icbd.config.LunConfig;
import org.icbd.config.TargetConfig;
import org.icbd.failover.ReceivedCheckpoints;
import org.icbd.volume.CatalogState;
import org.icbd.volume.VolumeLayout;
import org.icbd.volume.VolumeName;

/**
 * A writable clone LUN of a cluster, or an image's work copy, the unit of replication: its volume name (the
 * clone's name, or {@code <image>@work}; also its replica directory on the standbys), its subvolume, the image
 * file in it, the target serving it, and whether its writes go to the standbys' write logs before they are
 * acknowledged (sync replication).
 */
record WritableClone(String name, Path subvolume, Path disk, String targetIqn, boolean sync) {

    /** What an image's work copy is called as a replicated volume: no clone can be called so ('@' is no name character). */
    private static final String WORK_COPY = "@work";

    /** Workstation {@code w}'s disk in {@code dataRoot}, replicated in the cluster's mode. */
    static WritableClone of(Path dataRoot, CatalogState.Workstation w, boolean sync) {
        return ofClone(dataRoot, w.clone(), w.iqn(), sync);
    }

    /** The catalog's clone {@code clone} in {@code dataRoot}, served by target {@code targetIqn}. */
    static WritableClone ofClone(Path dataRoot, String clone, String targetIqn, boolean sync) {
        Path volume = new VolumeLayout(dataRoot).clone(new VolumeName(clone));
        return new WritableClone(clone, volume, VolumeLayout.disk(volume), targetIqn.toLowerCase(Locale.ROOT), sync);
    }

    /**
     * Image {@code image}'s work copy in {@code dataRoot}, replicated in the cluster's mode like a
     * workstation's disk; {@code editor} is the IQN of the workstation that boots it ('icbd image edit'),
     * empty when nobody does (then a takeover has no target to hold for it).
     */
    static WritableClone workCopy(Path dataRoot, String image, String editor, boolean sync) {
        Path volume = new VolumeLayout(dataRoot).work(new VolumeName(image));
        return new WritableClone(image + WORK_COPY, volume, VolumeLayout.disk(volume), editor.toLowerCase(Locale.ROOT), sync);
    }

    /**
     * The work copies of {@code state}'s images a node about to lead replicates: always, not only while edited,
     * since 'icbd image publish' on whichever node leads makes the next version from one, after the edit ended
     * too. One is left out only where there is nothing of it (neither here nor received): the node that has it
     * sends it once it leads again.
     */
    static List<WritableClone> workCopies(Path dataRoot, CatalogState state, boolean sync) throws IOException {
        List<WritableClone> out = new ArrayList<>();
        for (CatalogState.Image img : state.images().values()) {
            CatalogState.Workstation editor = img.editor() == null ? null : state.workstations().get(img.editor());
            WritableClone c = workCopy(dataRoot, img.name(), editor == null ? "" : editor.iqn(), sync);
            Path received = dataRoot.resolve("replicas").resolve(c.name());
            if (Files.exists(c.subvolume()) || ReceivedCheckpoints.newestComplete(received, c.name()).isPresent()) out.add(c);
        }
        return out;
    }

    /** The image whose work copy the replicated volume {@code name} is, if it is one. */
    static Optional<String> workCopyOf(String name) {
        return name.endsWith(WORK_COPY) ? Optional.of(name.substring(0, name.length() - WORK_COPY.length())) : Optional.empty();
    }

    /** Whether the cluster replicates clones synchronously unless a LUN says otherwise. */
    static boolean syncByDefault(IcbdConfig config) {
        return config.cluster().flatMap(c -> c.replication()).map(r -> r.sync()).orElse(false);
    }

    /** The configuration's writable LUNs; the loader has made sure each one is a clone. */
    static List<WritableClone> of(IcbdConfig config) {
        boolean clusterSync = syncByDefault(config);
        List<WritableClone> out = new ArrayList<>();
        for (TargetConfig t : config.targets()) {
            for (LunConfig lun : t.luns()) {
                if (lun.readOnly()) continue;
                Path volume = lun.path().getParent();
                boolean sync = lun.syncReplication() != null ? lun.syncReplication() : clusterSync;
                out.add(new WritableClone(volume.getFileName().toString(), volume, lun.path(), t.iqn().toLowerCase(Locale.ROOT),
                        sync));
            }
        }
        return out;
    }
}
