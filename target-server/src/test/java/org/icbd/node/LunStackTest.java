package org.icbd.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icbd.cache.BlockCache;
import org.icbd.config.LunConfig;
import org.icbd.failover.Checkpointer;
import org.icbd.failover.LogStore;
import org.icbd.failover.ReplicationReceiver;
import org.icbd.failover.WriteLog;
import org.icbd.storage.BlockDevice;
import org.icbd.storage.CachingBlockDevice;
import org.icbd.storage.FileBlockDevice;
import org.icbd.storage.QuiescingBlockDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which layers each kind of LUN gets, on a single node and on a cluster leader. */
class LunStackTest {

    private static final byte[] SECRET = "a-cluster-secret-of-32-bytes!!!!".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private final List<BlockDevice> open = new ArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final BlockCache cache = new BlockCache(1 << 20, 4096, meters);

    @AfterEach
    void close() throws IOException {
        for (BlockDevice d : open) d.close();
    }

    @Test
    void aSingleNodeReadsThroughTheCacheOnlyWhereTheLunWantsIt() throws IOException {
        assertInstanceOf(FileBlockDevice.class, open(LunStack.files(), lun("a", false, true)));
        assertInstanceOf(FileBlockDevice.class, open(LunStack.cached(null), lun("b", false, true)), "cache off");
        assertInstanceOf(FileBlockDevice.class, open(LunStack.cached(cache), lun("c", false, false)), "cache: false");
        BlockDevice cached = open(LunStack.cached(cache), lun("d", true, true));
        assertInstanceOf(CachingBlockDevice.class, cached);
        cached.read(0, ByteBuffer.allocate(4096));
        assertEquals(4096, meters.get("icbd_block_cache_bypass_bytes").counter().count(),
                "the read went through the cache (which leaves a plain file's bytes to the page cache)");
    }

    @Test
    void aLeaderGatesEveryWritableLunAndMirrorsOnlyItsSyncClones() throws Exception {
        Map<Path, QuiescingBlockDevice> writable = new HashMap<>();
        Timer waits = meters.timer("waits");
        try (ReplicationReceiver standby = new ReplicationReceiver("site1", SECRET, dir.resolve("replicas"), dir.resolve("writelog"),
                () -> 1, new InetSocketAddress("127.0.0.1", 0));
             WriteLog log = new WriteLog("site1", SECRET, 1, "a", Duration.ofSeconds(3), List.of("ws01"), inSync -> { })) {
            log.connect(List.of(new Checkpointer.Standby("b", standby.address())));
            log.marker("ws01", "ws01.1.1");
            LunStack stack = LunStack.cached(cache).leading(log, image -> Optional.of(image.getParent().getFileName().toString())
                    .filter("ws01"::equals), waits, writable);
            LunConfig sync = lun("ws01", false, true);
            LunConfig async = lun("ws02", false, true);
            LunConfig version = lun("v1", true, true);
            BlockDevice s = open(stack, sync);
            BlockDevice a = open(stack, async);
            BlockDevice v = open(stack, version);

            assertSame(writable.get(sync.path()), s);
            assertSame(writable.get(async.path()), a);
            assertFalse(writable.containsKey(version.path()), "nothing to checkpoint in a read-only LUN");
            assertInstanceOf(CachingBlockDevice.class, v);

            a.write(0, ByteBuffer.allocate(512), false);
            assertEquals(0, waits.count(), "an async clone's write does not wait for the standbys");
            s.write(0, ByteBuffer.allocate(512), false);
            assertEquals(1, waits.count(), "a sync clone's write waited for the standby's log");
        }
    }

    /**
     * Every image's work copy lives in a directory called {@code work}: its writes reach the standbys' logs
     * under the name it is replicated by ({@code <image>@work}), not under that of a clone called "work".
     */
    @Test
    void aWorkCopysWritesReachTheStandbysLogUnderItsOwnName() throws Exception {
        WritableClone work = WritableClone.workCopy(dir, "lab", "", true);
        WritableClone decoy = new WritableClone("work", dir.resolve("clones/work"), dir.resolve("clones/work/disk.img"), "iqn.x:work", true);
        ReplicationSet replicated = new ReplicationSet(List.of(decoy, work));
        Path logs = dir.resolve("writelog");
        try (ReplicationReceiver standby = new ReplicationReceiver("site1", SECRET, dir.resolve("replicas"), logs,
                () -> 1, new InetSocketAddress("127.0.0.1", 0));
             WriteLog log = new WriteLog("site1", SECRET, 1, "a", Duration.ofSeconds(3), replicated.syncNames(), inSync -> { })) {
            log.connect(List.of(new Checkpointer.Standby("b", standby.address())));
            log.marker("lab@work", "lab@work.1.1");
            log.marker("work", "work.1.1");
            LunStack stack = LunStack.cached(cache).leading(log, replicated::syncVolumeOf, meters.timer("waits"), new HashMap<>());
            Files.createDirectories(work.subvolume());
            Files.write(work.disk(), new byte[1 << 16]);
            BlockDevice d = open(stack, new LunConfig(0, work.disk(), false, 512, null, null, false));

            byte[] marker = new byte[512];
            Arrays.fill(marker, (byte) 0xc7);
            d.write(4096, ByteBuffer.wrap(marker), true);

            assertArrayEquals(marker, logged(logs, "lab@work").get(4096L), "the work copy's write, in the standby's log of lab@work");
            assertTrue(logged(logs, "work").isEmpty(), "nothing in clone work's log");
        }
    }

    /** The writes the standby's log in {@code logs} holds for {@code volume} after its checkpoint {@code volume.1.1}, by offset. */
    private static Map<Long, byte[]> logged(Path logs, String volume) throws IOException {
        Map<Long, byte[]> out = new HashMap<>();
        LogStore.replay(logs, volume, volume + ".1.1", new LogStore.Target() {
            @Override
            public void write(long offset, byte[] data) {
                out.put(offset, data);
            }

            @Override
            public void trim(long offset, long length) {
                // none written
            }
        });
        return out;
    }

    private BlockDevice open(LunStack stack, LunConfig lun) throws IOException {
        BlockDevice d = stack.open(lun);
        open.add(d);
        return d;
    }

    /** A clone's or version's image as the volume layout places it: {@code <name>/disk.img}. */
    private LunConfig lun(String name, boolean readOnly, boolean cached) throws IOException {
        Path image = Files.createDirectories(dir.resolve(name)).resolve("disk.img");
        Files.write(image, new byte[1 << 16]);
        return new LunConfig(0, image, readOnly, 512, null, null, cached);
    }
}
