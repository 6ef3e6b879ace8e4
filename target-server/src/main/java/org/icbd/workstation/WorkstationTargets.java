package org.icbd.workstation;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.icbd.config.LunConfig;
import org.icbd.config.VolumeLuns;
import org.icbd.iscsi.ExportedTarget;
import org.icbd.iscsi.TargetRegistry;
import org.icbd.node.ServedClones;
import org.icbd.scsi.LogicalUnitSet;
import org.icbd.storage.BlockDevice;
import org.icbd.storage.LunIdentity;
import org.icbd.volume.CatalogState;
import org.icbd.volume.VolumeLayout;
import org.icbd.volume.VolumeName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration's targets plus one target per workstation of the catalog, kept in step with it
 * while the node runs: {@link #sync} opens the targets of new workstations and ends the sessions of
 * removed ones (and closes their disks), so no change needs a restart.
 */
public final class WorkstationTargets implements TargetRegistry, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkstationTargets.class);

    /** @param edits the image whose work copy it serves instead of the workstation's disk ('icbd image edit'), or null */
    private record Served(CatalogState.Workstation workstation, ExportedTarget target, BlockDevice disk, String edits) {
    }

    private final TargetRegistry configured;
    private final ServedClones clones;
    private final int maxTransferBytes;
    private final Map<String, Served> served = new ConcurrentHashMap<>();
    private volatile Consumer<String> sessionEnder = iqn -> { };

    public WorkstationTargets(TargetRegistry configured, ServedClones clones, int maxTransferBytes) {
        this.configured = configured;
        this.clones = clones;
        this.maxTransferBytes = maxTransferBytes;
    }

    /** How sessions on a target are ended (the portals, known once they listen). */
    public void endSessionsWith(Consumer<String> ender) {
        this.sessionEnder = ender;
    }

    /** Ends the sessions on a workstation's target (left from before its reboot). */
    public void endSessions(String iqn) {
        sessionEnder.accept(iqn);
    }

    /** Serves what the catalog says: new workstations' targets open, removed ones' end. */
    public synchronized void sync(CatalogState state) {
        Map<String, CatalogState.Workstation> wanted = new TreeMap<>();
        for (CatalogState.Workstation w : state.workstations().values()) wanted.put(key(w.iqn()), w);
        for (Served s : List.copyOf(served.values())) {
            CatalogState.Workstation w = wanted.get(key(s.workstation().iqn()));
            if (w == null || !w.secret().equals(s.workstation().secret()) || !w.name().equals(s.workstation().name())
                    || !Objects.equals(edits(state, w), s.edits())) {
                drop(s);
            }
        }
        for (CatalogState.Workstation w : wanted.values()) {
            Served s = served.get(key(w.iqn()));
            if (s != null) {
                served.put(key(w.iqn()), new Served(w, s.target(), s.disk(), s.edits())); // MACs, mode or version changed: nothing to reopen
                continue;
            }
            CatalogState.Clone clone = state.clones().get(w.clone());
            if (clone == null) {
                log.warn("workstation {}: its clone {} is not in the catalog; not served", w.name(), w.clone());
                continue;
            }
            try {
                open(w, clone, edits(state, w));
            } catch (IOException | RuntimeException e) {
                log.warn("workstation {}: cannot serve its disk: {}", w.name(), e.toString());
            }
        }
    }

    private static String edits(CatalogState state, CatalogState.Workstation w) {
        return state.editedBy(w.name()).map(CatalogState.Image::name).orElse(null);
    }

    private void open(CatalogState.Workstation w, CatalogState.Clone clone, String edits) throws IOException {
        BlockDevice disk;
        if (edits != null) {
            // the work copy is written in place and later frozen by a publish: served uncached, as its own disk
            VolumeName image = new VolumeName(edits);
            disk = clones.opener().open(new LunConfig(0, VolumeLayout.disk(clones.volumes().layout().work(image)), false, 512,
                    LunIdentity.fromVolumeKey("work:" + image), null, false));
        } else {
            LunConfig lun = VolumeLuns.cloneLun(clones.volumes(), 0, clone, 512, true);
            disk = clones.open(new VolumeName(clone.name()), lun);
        }
        SortedMap<Long, BlockDevice> luns = new TreeMap<>(Map.of(0L, disk));
        var target = new ExportedTarget(w.iqn(), w.name(), new LogicalUnitSet(w.iqn(), luns, maxTransferBytes),
                Optional.of(new ExportedTarget.Credentials(w.user(), w.secret())), Optional.empty(), List.of());
        served.put(key(w.iqn()), new Served(w, target, disk, edits));
        log.info("workstation {} served as {}{}", w.name(), w.iqn(), edits == null ? "" : " with image " + edits + "'s work copy");
    }

    private void drop(Served s) {
        served.remove(key(s.workstation().iqn()));
        sessionEnder.accept(s.workstation().iqn());
        if (s.edits() == null) clones.forget(new VolumeName(s.workstation().clone()));
        try {
            s.disk().close();
        } catch (IOException e) {
            log.warn("closing workstation {}'s disk: {}", s.workstation().name(), e.toString());
        }
        log.info("workstation {} ({}) no longer served; its sessions ended", s.workstation().name(), s.workstation().iqn());
    }

    private static String key(String iqn) {
        return iqn.toLowerCase(Locale.ROOT);
    }

    @Override
    public Optional<ExportedTarget> find(String iqn) {
        Optional<ExportedTarget> t = configured.find(iqn);
        if (t.isPresent() || iqn == null) return t;
        return Optional.ofNullable(served.get(key(iqn))).map(Served::target);
    }

    @Override
    public List<ExportedTarget> all() {
        List<ExportedTarget> all = new ArrayList<>(configured.all());
        served.values().forEach(s -> all.add(s.target()));
        return all;
    }

    @Override
    public Optional<String> unavailable(ExportedTarget target) {
        return configured.unavailable(target);
    }

    @Override
    public Optional<ExportedTarget.Credentials> discoveryChap() {
        return configured.discoveryChap();
    }

    /** Closes the workstations' disks (after the portals stopped). */
    @Override
    public synchronized void close() {
        for (Served s : List.copyOf(served.values())) {
            try {
                s.disk().flush();
                s.disk().close();
            } catch (IOException e) {
                log.warn("closing workstation {}'s disk: {}", s.workstation().name(), e.toString());
            }
        }
        served.clear();
    }
}
