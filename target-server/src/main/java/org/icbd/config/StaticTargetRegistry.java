package org.icbd.config;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.icbd.iscsi.ExportedTarget;
import org.icbd.iscsi.TargetRegistry;
import org.icbd.scsi.LogicalUnitSet;
import org.icbd.scsi.ReservationStore;
import org.icbd.storage.BlockDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The targets of a configuration, opened: each LUN's image as a {@link BlockDevice}, each target
 * as a {@link LogicalUnitSet}. It owns the devices, so closing it flushes and closes them all
 * (after the transport has stopped, so no command is still writing). A LUN may be added to or removed
 * from a target while it serves ({@link #attach}, {@link #detach}): 'icbd lun map' on a running node.
 */
public final class StaticTargetRegistry implements TargetRegistry, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StaticTargetRegistry.class);

    /** Opens the device stack behind one LUN (the node's {@code LunStack}). */
    @FunctionalInterface
    public interface DeviceOpener {
        BlockDevice open(LunConfig lun) throws IOException;
    }

    /** How long an unmapped LUN's running commands may take to end before its device is closed under them. */
    private static final long DRAIN_MILLIS = 30_000;

    private final Map<String, ExportedTarget> targets;
    /** Every open device, by target key and LUN; changed under this object's lock. */
    private final Map<String, Map<Long, BlockDevice>> devices;
    private final Optional<ExportedTarget.Credentials> discoveryChap;
    private final DeviceOpener opener;
    private boolean closed;

    private StaticTargetRegistry(Map<String, ExportedTarget> targets, Map<String, Map<Long, BlockDevice>> devices,
                                 Optional<ExportedTarget.Credentials> discoveryChap, DeviceOpener opener) {
        this.targets = targets;
        this.devices = devices;
        this.discoveryChap = discoveryChap;
        this.opener = opener;
    }

    public static StaticTargetRegistry open(IcbdConfig config, DeviceOpener opener) throws ConfigException {
        return open(config.targets(), config.discoveryChap(), config.iscsi().maxCommandBytes(), opener);
    }

    /**
     * @param maxTransferBytes the transport's per-command limit, so the Block Limits VPD reports
     *                         what the transport enforces
     */
    public static StaticTargetRegistry open(List<TargetConfig> configs, Optional<ChapConfig> discoveryChap,
                                            int maxTransferBytes, DeviceOpener opener) throws ConfigException {
        Map<String, ExportedTarget> targets = new LinkedHashMap<>();
        Map<String, Map<Long, BlockDevice>> devices = new LinkedHashMap<>();
        List<BlockDevice> opened = new ArrayList<>();
        try {
            for (TargetConfig t : configs) {
                SortedMap<Long, BlockDevice> luns = new TreeMap<>();
                for (LunConfig lun : t.luns()) {
                    BlockDevice dev = openOne(opener, lun);
                    opened.add(dev);
                    luns.put(lun.lun(), dev);
                }
                devices.put(key(t.iqn()), new TreeMap<>(luns));
                ExportedTarget target = new ExportedTarget(t.iqn(), t.alias(), new LogicalUnitSet(t.iqn(), luns, maxTransferBytes),
                        t.chap().map(ChapConfig::toCredentials), t.mutualChap().map(ChapConfig::toCredentials),
                        t.allowedInitiators());
                targets.put(key(t.iqn()), target);
            }
        } catch (ConfigException | RuntimeException e) {
            closeAll(opened);
            throw e;
        }
        return new StaticTargetRegistry(targets, devices, discoveryChap.map(ChapConfig::toCredentials), opener);
    }

    /**
     * Opens {@code lun} and serves it on target {@code iqn} from now on; the target's sessions get the
     * unit attention REPORTED LUNS DATA HAS CHANGED.
     *
     * @throws IllegalStateException when the target is not configured here or already has that LUN number
     */
    public synchronized void attach(String iqn, LunConfig lun) throws IOException {
        if (closed) throw new IllegalStateException("the targets are closed");
        ExportedTarget t = targets.get(key(iqn));
        if (t == null || !(t.scsi() instanceof LogicalUnitSet units)) throw new IllegalStateException("no configured target " + iqn);
        Map<Long, BlockDevice> luns = devices.get(key(iqn));
        if (luns.containsKey(lun.lun())) throw new IllegalStateException("LUN " + lun.lun() + " of " + iqn + " is served already");
        BlockDevice dev = opener.open(lun);
        try {
            units.addUnit(lun.lun(), dev);
        } catch (RuntimeException e) {
            closeAll(List.of(dev));
            throw e;
        }
        luns.put(lun.lun(), dev);
    }

    /**
     * Stops serving LUN {@code lun} of target {@code iqn}: commands running on it end, later ones get
     * LOGICAL UNIT NOT SUPPORTED, the target's sessions get REPORTED LUNS DATA HAS CHANGED; then its
     * device is flushed and closed.
     *
     * @return whether there was such a LUN
     */
    public boolean detach(String iqn, long lun) throws InterruptedException {
        BlockDevice dev;
        LogicalUnitSet units;
        synchronized (this) {
            ExportedTarget t = targets.get(key(iqn));
            if (t == null || !(t.scsi() instanceof LogicalUnitSet u)) return false;
            units = u;
            dev = devices.get(key(iqn)).remove(lun);
            if (dev == null) return false;
        }
        units.removeUnit(lun, DRAIN_MILLIS);
        closeAll(List.of(dev));
        return true;
    }

    /** The LUN numbers target {@code iqn} serves now (empty when it is not configured here). */
    public synchronized SortedSet<Long> lunsOf(String iqn) {
        Map<Long, BlockDevice> luns = devices.get(key(iqn));
        return luns == null ? Collections.emptySortedSet() : new TreeSet<>(luns.keySet());
    }

    /** Every LUN's persistent reservations come from {@code store} and go there when they change. */
    public void keepReservationsIn(ReservationStore store) throws IOException {
        for (ExportedTarget t : all()) {
            if (t.scsi() instanceof LogicalUnitSet units) units.keepReservationsIn(store); // all built by open()
        }
    }

    private static BlockDevice openOne(DeviceOpener opener, LunConfig lun) throws ConfigException {
        try {
            return opener.open(lun);
        } catch (IOException e) {
            throw new ConfigException(lun.path().toString(), "cannot open the image for LUN " + lun.lun() + ": " + e.getMessage(), e);
        }
    }

    /** iSCSI names compare case-insensitively (RFC 3722 normalizes them to lower case). */
    private static String key(String iqn) {
        return iqn.toLowerCase(Locale.ROOT);
    }

    @Override
    public Optional<ExportedTarget> find(String iqn) {
        return iqn == null ? Optional.empty() : Optional.ofNullable(targets.get(key(iqn)));
    }

    @Override
    public List<ExportedTarget> all() {
        return List.copyOf(targets.values());
    }

    @Override
    public Optional<ExportedTarget.Credentials> discoveryChap() {
        return discoveryChap;
    }

    /** Flushes and closes every device; a failure on one does not keep the others open. */
    @Override
    public void close() {
        List<BlockDevice> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            devices.values().forEach(luns -> all.addAll(luns.values()));
            devices.values().forEach(Map::clear);
        }
        closeAll(all);
    }

    private static void closeAll(List<BlockDevice> devices) {
        for (BlockDevice d : devices) {
            try {
                if (!d.readOnly()) d.flush();
            } catch (IOException | RuntimeException e) {
                // what the failure means is the device's to say (a local flush, or standbys that did not confirm)
                log.error("flushing {} on close failed: {}", d.identity().serial(), e.getMessage());
            }
            try {
                d.close();
            } catch (IOException | RuntimeException e) {
                log.warn("closing {} failed: {}", d.identity().serial(), e.toString());
            }
        }
    }
}
