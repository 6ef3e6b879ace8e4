package org.icbd.config;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
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
 * (after the transport has stopped, so no command is still writing).
 */
public final class StaticTargetRegistry implements TargetRegistry, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StaticTargetRegistry.class);

    /** Opens the device stack behind one LUN (the node's {@code LunStack}). */
    @FunctionalInterface
    public interface DeviceOpener {
        BlockDevice open(LunConfig lun) throws IOException;
    }

    private final Map<String, ExportedTarget> targets;
    private final List<BlockDevice> devices;
    private final Optional<ExportedTarget.Credentials> discoveryChap;

    private StaticTargetRegistry(Map<String, ExportedTarget> targets, List<BlockDevice> devices,
                                 Optional<ExportedTarget.Credentials> discoveryChap) {
        this.targets = targets;
        this.devices = devices;
        this.discoveryChap = discoveryChap;
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
        List<BlockDevice> opened = new ArrayList<>();
        try {
            for (TargetConfig t : configs) {
                SortedMap<Long, BlockDevice> luns = new TreeMap<>();
                for (LunConfig lun : t.luns()) {
                    BlockDevice dev = openOne(opener, lun);
                    opened.add(dev);
                    luns.put(lun.lun(), dev);
                }
                ExportedTarget target = new ExportedTarget(t.iqn(), t.alias(), new LogicalUnitSet(t.iqn(), luns, maxTransferBytes),
                        t.chap().map(ChapConfig::toCredentials), t.mutualChap().map(ChapConfig::toCredentials),
                        t.allowedInitiators());
                targets.put(key(t.iqn()), target);
            }
        } catch (ConfigException | RuntimeException e) {
            closeAll(opened);
            throw e;
        }
        return new StaticTargetRegistry(targets, List.copyOf(opened), discoveryChap.map(ChapConfig::toCredentials));
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
        closeAll(devices);
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
