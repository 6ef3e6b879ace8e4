package org.icbd.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.icbd.config.IcbdConfig;
import org.icbd.config.LunConfig;
import org.icbd.config.TargetConfig;
import org.icbd.volume.CatalogState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clones the catalog's LUN maps ('icbd lun map --clone') serve on a cluster's configured targets,
 * replicated like the configuration's own clones (synchronously when the cluster's replication is): a
 * leader replicates each from before its LUN opens until no LUN serves it any more, and a new leader
 * takes over those the catalog maps when it starts to lead.
 */
final class ReplicatedLunMaps implements LiveLunMaps.CloneMaps {

    private static final Logger log = LoggerFactory.getLogger(ReplicatedLunMaps.class);

    private final Path dataRoot;
    private final boolean sync;
    /** The clones the configuration file itself serves: replicated whatever the maps say. */
    private final Set<String> listed;
    private final ReplicationSet replicated;

    /**
     * @param listed the clones the configuration file itself serves (replicated whatever the maps say)
     */
    ReplicatedLunMaps(Path dataRoot, boolean sync, Set<String> listed, ReplicationSet replicated) {
        this.dataRoot = dataRoot;
        this.sync = sync;
        this.listed = Set.copyOf(listed);
        this.replicated = replicated;
    }

    /**
     * @param config  the configuration a leader serves, read with the catalog {@code atStart}
     * @param atStart whose maps of the configured targets {@code config}'s LUNs include
     */
    static ReplicatedLunMaps of(IcbdConfig config, CatalogState atStart, ReplicationSet replicated) {
        return new ReplicatedLunMaps(config.dataRoot(), WritableClone.syncByDefault(config), listedClones(config, atStart), replicated);
    }

    /** The writable clones {@code state} maps onto {@code config}'s targets, replicated in the cluster's mode. */
    static List<WritableClone> in(IcbdConfig config, CatalogState state) {
        return in(config.dataRoot(), WritableClone.syncByDefault(config), config.targets().stream().map(TargetConfig::iqn).toList(), state);
    }

    /** The writable clones {@code state} maps onto the targets {@code iqns}, in {@code dataRoot}. */
    static List<WritableClone> in(Path dataRoot, boolean sync, List<String> iqns, CatalogState state) {
        List<WritableClone> out = new ArrayList<>();
        for (String iqn : iqns) {
            for (CatalogState.LunMap m : state.lunsOf(iqn.toLowerCase(Locale.ROOT))) {
                if (m.cloneName() != null) out.add(clone(dataRoot, m, sync));
            }
        }
        return out;
    }

    /**
     * {@code config} without the catalog's maps (per {@code state}) whose volume is not on this node: a
     * clone mapped shortly before the last leader failed, whose first checkpoint never came here. Such a
     * LUN is left to the live maps, which say why it is not served; everything else serves, where
     * opening it with the rest would keep this node from leading at all.
     */
    static IcbdConfig servable(IcbdConfig config, CatalogState state) {
        List<TargetConfig> targets = new ArrayList<>();
        for (TargetConfig t : config.targets()) {
            List<CatalogState.LunMap> maps = state.lunsOf(t.iqn().toLowerCase(Locale.ROOT));
            TargetConfig kept = t.part(lun -> Files.exists(lun.path()) || maps.stream().noneMatch(m -> maps(m, lun)));
            for (LunConfig lun : t.luns()) {
                if (!kept.luns().contains(lun)) {
                    log.warn("LUN {} of {} (mapped by the catalog) is not here: {} is missing", lun.lun(), t.iqn(), lun.path());
                }
            }
            targets.add(kept);
        }
        return targets.equals(config.targets()) ? config : config.withTargets(targets);
    }

    /** Whether {@code lun} is what {@code m} maps (not a LUN of the configuration file that has its number). */
    private static boolean maps(CatalogState.LunMap m, LunConfig lun) {
        if (m.lun() != lun.lun()) return false;
        if (m.cloneName() == null) return lun.readOnly();
        return !lun.readOnly() && lun.path().getParent() != null && m.cloneName().equals(lun.path().getParent().getFileName().toString());
    }

    @Override
    public void opening(CatalogState.LunMap map) throws IOException {
        if (replicated.contains(map.cloneName())) return;
        replicated.add(clone(dataRoot, map, sync));
        log.info("clone {} (LUN {} of {}) is replicated {} from now on", map.cloneName(), map.lun(), map.target(),
                sync ? "synchronously" : "asynchronously");
    }

    @Override
    public void unserved(String clone, CatalogState state) throws IOException {
        if (listed.contains(clone)) return;
        if (state.workstations().values().stream().anyMatch(w -> clone.equals(w.clone()))) return; // a workstation's disk
        if (!replicated.contains(clone)) return;
        replicated.remove(clone);
        log.info("clone {} is no longer replicated: no LUN serves it", clone);
    }

    private static WritableClone clone(Path dataRoot, CatalogState.LunMap m, boolean sync) {
        return WritableClone.ofClone(dataRoot, m.cloneName(), m.target(), sync);
    }

    /** The writable LUNs of {@code config}'s targets that are not {@code atStart}'s maps: those its file lists. */
    private static Set<String> listedClones(IcbdConfig config, CatalogState atStart) {
        Set<String> out = new HashSet<>();
        for (TargetConfig t : config.targets()) {
            List<CatalogState.LunMap> maps = atStart.lunsOf(t.iqn().toLowerCase(Locale.ROOT));
            for (LunConfig lun : t.luns()) {
                if (!lun.readOnly() && maps.stream().noneMatch(m -> maps(m, lun))) out.add(lun.path().getParent().getFileName().toString());
            }
        }
        return out;
    }
}
