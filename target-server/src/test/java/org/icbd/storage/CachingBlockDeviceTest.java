package org.icbd.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.cache.BlockCache;
import org.icbd.config.LunConfig;
import org.icbd.node.LunStack;
import org.icbd.config.VolumeLuns;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The block cache over real clones on a loop btrfs: sharing proven by FIEMAP, writes never shared. */
class CachingBlockDeviceTest {

    private static final int MIB = 1 << 20;
    private static final int SIZE = 8 * MIB;
    private static final VolumeName GOLD = new VolumeName("gold");

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(512L * MIB);

    @TempDir
    Path tmp;

    private VolumeManager volumes;
    private byte[] golden;
    private final List<BlockDevice> open = new ArrayList<>();

    @BeforeEach
    void versionAndTwoClones() throws IOException {
        volumes = VolumeManager.open(btrfs.fs().root().resolve("icbd"));
        golden = new byte[SIZE];
        new Random(7).nextBytes(golden);
        Path src = Files.write(tmp.resolve("gold.img"), golden);
        volumes.importImage(GOLD, src, d -> { });
        volumes.publish(GOLD);
        volumes.createClone(GOLD, 1, new VolumeName("ws01"));
        volumes.createClone(GOLD, 1, new VolumeName("ws02"));
    }

    @AfterEach
    void closeDevices() throws IOException {
        for (BlockDevice d : open) d.close();
    }

    @Test
    void clonesOfOneVersionReadEachSharedChunkFromDiskOnce() throws IOException {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        BlockCache cache = new BlockCache(64L * MIB, 4096, meters);
        BlockDevice ws01 = device(clone("ws01"), cache);
        BlockDevice ws02 = device(clone("ws02"), cache);
        BlockDevice version = device(VolumeLuns.versionLun(volumes, 2, GOLD, 1, 512, true), cache);

        for (BlockDevice d : List.of(ws01, ws02, version)) assertArrayEquals(golden, readAll(d));

        assertEquals(SIZE, diskBytes(meters), "three volumes, one version's worth of disk reads");
    }

    @Test
    void aWriteIsReadBackAndStaysOffTheOtherClonesAndTheVersion() throws IOException {
        BlockCache cache = new BlockCache(64L * MIB, 4096, new SimpleMeterRegistry());
        BlockDevice ws01 = device(clone("ws01"), cache);
        BlockDevice ws02 = device(clone("ws02"), cache);
        BlockDevice version = device(VolumeLuns.versionLun(volumes, 2, GOLD, 1, 512, true), cache);
        for (BlockDevice d : List.of(ws01, ws02, version)) readAll(d); // everything cached and shared

        byte[] mine = new byte[3 * 4096];
        Arrays.fill(mine, (byte) 0x3c);
        ws01.write(MIB + 4096, ByteBuffer.wrap(mine), false);
        ws02.unmap(2 * MIB, MIB);

        byte[] expected01 = golden.clone();
        System.arraycopy(mine, 0, expected01, MIB + 4096, mine.length);
        byte[] expected02 = golden.clone();
        Arrays.fill(expected02, 2 * MIB, 3 * MIB, (byte) 0);
        assertArrayEquals(expected01, readAll(ws01));
        assertArrayEquals(expected02, readAll(ws02));
        assertArrayEquals(golden, readAll(version));
    }

    @Test
    void afterARestartFiemapKeepsARewrittenChunkPrivate() throws IOException {
        try (FileBlockDevice raw = FileBlockDevice.open(volumes.cloneDisk(new VolumeName("ws01")), false)) {
            byte[] mine = new byte[4096];
            Arrays.fill(mine, (byte) 0x42);
            raw.write(3L * MIB, ByteBuffer.wrap(mine), true);
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        BlockCache cache = new BlockCache(64L * MIB, 4096, meters);
        BlockDevice ws02 = device(clone("ws02"), cache);
        BlockDevice ws01 = device(clone("ws01"), cache);
        assertArrayEquals(golden, readAll(ws02));
        byte[] got = readAll(ws01);

        assertEquals(0x42, got[3 * MIB]);
        assertArrayEquals(Arrays.copyOfRange(golden, 0, 3 * MIB), Arrays.copyOfRange(got, 0, 3 * MIB));
        assertEquals(SIZE, diskBytes(meters), "ws01's shared chunks come from memory");
        assertEquals(4096, meters.get("icbd_block_cache_bypass_bytes").counter().count(),
                "only the rewritten chunk is read from ws01 itself");
    }

    private LunConfig clone(String name) throws IOException {
        LunConfig lun = VolumeLuns.cloneLun(volumes, 0, new VolumeName(name), 512, true);
        assertNotNull(lun.base(), "on btrfs a clone names the snapshot it shares");
        return lun;
    }

    private BlockDevice device(LunConfig lun, BlockCache cache) throws IOException {
        BlockDevice d = LunStack.cached(cache).open(lun);
        open.add(d);
        assertTrue(d instanceof CachingBlockDevice);
        return d;
    }

    private static byte[] readAll(BlockDevice d) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) d.sizeBytes());
        // in command-sized pieces, as an initiator would
        for (long off = 0; off < d.sizeBytes(); off += 128 << 10) {
            b.limit((int) Math.min(d.sizeBytes(), off + (128 << 10)));
            d.read(off, b);
        }
        return b.array();
    }

    private static double diskBytes(SimpleMeterRegistry meters) {
        return meters.get("icbd_block_cache_disk_read_bytes").counter().count();
    }
}
