package org.icbd.node;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.icbd.config.StaticTargetRegistry;
import org.icbd.config.VolumeLuns;
import org.icbd.iscsi.ExportedTarget;
import org.icbd.volume.CatalogState;
import org.icbd.volume.VolumeName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog's LUN maps ('icbd lun map') of the configuration's targets, kept in step with the catalog
 * while the node serves: a LUN mapped since is opened and added to its target, an unmapped one removed
 * (its running commands end first) and closed; either way the target's sessions get REPORTED LUNS DATA
 * HAS CHANGED. LUNs the configuration file lists are not the catalog's and are never touched here.
 */
final class LiveLunMaps {

    private static final Logger log = LoggerFactory.getLogger(LiveLunMaps.class);

    /**
     * What must happen around a clone map's LUN besides opening and closing it (a cluster leader
     * replicates the clone: from before its LUN opens, until no map's LUN serves it any more).
     */
    interface CloneMaps {
        CloneMaps NONE = new CloneMaps() {
            @Override
            public void opening(CatalogState.LunMap map) {
            }

            @Override
            public void unserved(String clone, CatalogState state) {
            }
        };

        /** Before the LUN of {@code map} opens; an exception keeps it closed. */
        void opening(CatalogState.LunMap map) throws IOException;

        /**
         * No LUN of a catalog map serves {@code clone} any more (its last one closed, or did not open);
         * {@code state} is the catalog served now.
         */
        void unserved(String clone, CatalogState state) throws IOException;
    }

    private final StaticTargetRegistry targets;
    private final ServedClones clones;
    private final CloneMaps cloneMaps;
    /** What this node serves of the catalog's maps, by target (lower case) and LUN. */
    private final Map<String, Map<Long, CatalogState.LunMap>> applied = new HashMap<>();

    /**
     * @param atStart the catalog the configuration was read with: its maps of configured targets were
     *                opened with the configuration's own LUNs
     */
    LiveLunMaps(StaticTargetRegistry targets, ServedClones clones, CatalogState atStart, CloneMaps cloneMaps) {
        this.targets = targets;
        this.clones = clones;
        this.cloneMaps = cloneMaps;
        for (ExportedTarget t : targets.all()) {
            Map<Long, CatalogState.LunMap> served = new TreeMap<>();
            var open = targets.lunsOf(t.iqn());
            for (CatalogState.LunMap m : atStart.lunsOf(key(t.iqn()))) if (open.contains(m.lun())) served.put(m.lun(), m);
            applied.put(key(t.iqn()), served);
        }
    }

    /**
     * Serves the maps {@code state} holds for the configured targets.
     *
     * @return what could not be served, one line each (empty when everything is)
     */
    synchronized List<String> sync(CatalogState state) {
        List<String> problems = new ArrayList<>();
        for (var e : applied.entrySet()) {
            String iqn = e.getKey();
            Map<Long, CatalogState.LunMap> served = e.getValue();
            Map<Long, CatalogState.LunMap> wanted = new TreeMap<>();
            for (CatalogState.LunMap m : state.lunsOf(iqn)) wanted.put(m.lun(), m);
            for (CatalogState.LunMap m : List.copyOf(served.values())) {
                if (m.equals(wanted.get(m.lun()))) continue;
                remove(iqn, m);
                served.remove(m.lun());
                unserved(m, state, problems);
            }
            for (CatalogState.LunMap m : wanted.values()) {
                if (served.containsKey(m.lun())) continue;
                try {
                    if (m.cloneName() != null) cloneMaps.opening(m);
                    targets.attach(iqn, VolumeLuns.mappedLun(clones.volumes(), m));
                    served.put(m.lun(), m);
                    log.info("LUN {} of {} ({}) served from now on; its sessions are told REPORTED LUNS DATA HAS CHANGED",
                            m.lun(), iqn, describe(m));
                } catch (IOException | RuntimeException ex) {
                    String why = "LUN " + m.lun() + " of " + iqn + " (" + describe(m) + ") is not served: " + ex.getMessage();
                    log.warn(why);
                    problems.add(why);
                    unserved(m, state, problems);
                }
            }
        }
        return problems;
    }

    private void unserved(CatalogState.LunMap m, CatalogState state, List<String> problems) {
        if (m.cloneName() == null) return;
        for (Map<Long, CatalogState.LunMap> served : applied.values()) {
            for (CatalogState.LunMap other : served.values()) if (m.cloneName().equals(other.cloneName())) return;
        }
        try {
            cloneMaps.unserved(m.cloneName(), state);
        } catch (IOException | RuntimeException ex) {
            String why = "clone " + m.cloneName() + ", which no LUN map serves now: " + ex.getMessage();
            log.warn(why);
            problems.add(why);
        }
    }

    private void remove(String iqn, CatalogState.LunMap m) {
        try {
            targets.detach(iqn, m.lun());
            log.info("LUN {} of {} ({}) no longer served; its sessions are told REPORTED LUNS DATA HAS CHANGED", m.lun(), iqn, describe(m));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while LUN {} of {} was removed", m.lun(), iqn);
        } finally {
            if (m.cloneName() != null) clones.forget(new VolumeName(m.cloneName()));
        }
    }

    private static String describe(CatalogState.LunMap m) {
        return m.cloneName() != null ? "clone " + m.cloneName() : "version " + m.version();
    }

    private static String key(String iqn) {
        return iqn.toLowerCase(Locale.ROOT);
    }
}
