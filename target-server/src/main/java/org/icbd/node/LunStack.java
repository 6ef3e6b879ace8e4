package org.icbd.node;

import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.icbd.cache.BlockCache;
import org.icbd.cache.ChunkLocator;
import org.icbd.config.LunConfig;
import org.icbd.config.StaticTargetRegistry;
import org.icbd.failover.WriteLog;
import org.icbd.storage.BlockDevice;
import org.icbd.storage.CachingBlockDevice;
import org.icbd.storage.FileBlockDevice;
import org.icbd.storage.QuiescingBlockDevice;
import org.icbd.storage.SnapshotChunkLocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The devices behind one LUN, stacked in one place, bottom to top:
 * <ol>
 *   <li>the image file, thin (UNMAP punches holes) where the file system allows it;</li>
 *   <li>the node's block cache, when it is on and the LUN wants it, with the chunks a clone shares with
 *       its base snapshot keyed by that snapshot;</li>
 *   <li>on a cluster leader, for a writable clone replicated synchronously: the write log to the standbys;</li>
 *   <li>on a cluster leader, for every writable LUN: a gate that drains its writes for a checkpoint.</li>
 * </ol>
 * A single node, {@code icbd export} and {@code serve --check} use the lower half; a leader the whole.
 */
public final class LunStack implements StaticTargetRegistry.DeviceOpener {

    private static final Logger log = LoggerFactory.getLogger(LunStack.class);

    private final BlockCache cache;
    private final Leader leader;

    /**
     * What a cluster leader adds above a writable LUN.
     *
     * @param mirror     the write log to the standbys, or null (no clone replicated synchronously)
     * @param syncVolumes which replicated volume's writes, if any, go through {@code mirror}, by image path
     *                    (asked at each open: a leader adds the disks of workstations it makes while it serves)
     * @param waits      how long each mirrored write waited for the standbys
     * @param writable   filled with each writable LUN's gate, by image path, for the checkpoints
     */
    private record Leader(WriteLog mirror, SyncVolumes syncVolumes, Timer waits, Map<Path, QuiescingBlockDevice> writable) {
    }

    /** The volume, replicated synchronously, whose image file is {@code image}; empty for any other file. */
    @FunctionalInterface
    interface SyncVolumes {
        Optional<String> of(Path image);
    }

    private LunStack(BlockCache cache, Leader leader) {
        this.cache = cache;
        this.leader = leader;
    }

    /** Image files, uncached. */
    public static LunStack files() {
        return new LunStack(null, null);
    }

    /** Image files read through {@code cache} where the LUN wants it; {@code cache} null: uncached. */
    public static LunStack cached(BlockCache cache) {
        return new LunStack(cache, null);
    }

    /** This stack with a cluster leader's layers above each writable LUN. */
    LunStack leading(WriteLog mirror, SyncVolumes syncVolumes, Timer waits, Map<Path, QuiescingBlockDevice> writable) {
        return new LunStack(cache, new Leader(mirror, syncVolumes, waits, writable));
    }

    @Override
    public BlockDevice open(LunConfig lun) throws IOException {
        BlockDevice d = FileBlockDevice.openThinIfPossible(lun.path(), lun.readOnly(), lun.blockSize(), lun.identity());
        if (cache != null && lun.cached()) d = new CachingBlockDevice(d, cache, locator(lun));
        if (leader == null || lun.readOnly()) return d;
        Optional<String> volume = leader.mirror() == null ? Optional.empty() : leader.syncVolumes().of(lun.path());
        if (volume.isPresent()) d = new MirroredBlockDevice(d, volume.get(), leader.mirror(), leader.waits());
        QuiescingBlockDevice gate = new QuiescingBlockDevice(d);
        leader.writable().put(lun.path(), gate);
        return gate;
    }

    private static ChunkLocator locator(LunConfig lun) {
        if (lun.base() == null) return ChunkLocator.PRIVATE;
        try {
            return SnapshotChunkLocator.open(lun.path(), lun.base().file(), lun.base().snapshot());
        } catch (IOException e) {
            log.warn("LUN {} ({}): cannot map extents ({}); cached without sharing", lun.lun(), lun.path(), e.getMessage());
            return ChunkLocator.PRIVATE;
        }
    }
}
