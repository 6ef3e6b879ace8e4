package org.icbd.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class CachedVolumeTest {

    private static final int CHUNK = 64 << 10;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final byte[] base = random(32 * CHUNK + 4096, 1); // a partial last chunk too

    @Test
    void concurrentMissesOnOneChunkReadTheDiskOnce() throws Exception {
        BlockCache cache = new BlockCache(64L << 20, CHUNK, meters);
        FakeDisk disk = new FakeDisk(base, CHUNK);
        disk.readDelayMillis = 100; // every reader arrives while the first load is still running
        CachedVolume v = new CachedVolume(cache, disk.locator(), disk, disk.size());
        CountDownLatch go = new CountDownLatch(1);
        List<Future<byte[]>> reads = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 32; i++) {
                reads.add(pool.submit(() -> {
                    go.await();
                    return read(v, 4096, 8192);
                }));
            }
            go.countDown();
            for (Future<byte[]> r : reads) assertArrayEquals(Arrays.copyOfRange(base, 4096, 4096 + 8192), r.get());
        }
        assertEquals(1, disk.reads.get());
        assertEquals(CHUNK, disk.bytesRead.get());
        assertEquals(CHUNK, meters.get("icbd_block_cache_disk_read_bytes").counter().count());
    }

    @Test
    void theByteBoundHoldsAndEvictedMemoryIsReused() throws IOException {
        long bound = 4L * CHUNK + 1000;
        BlockCache cache = new BlockCache(bound, CHUNK, meters);
        FakeDisk disk = new FakeDisk(base, CHUNK);
        CachedVolume v = new CachedVolume(cache, disk.locator(), disk, disk.size());
        for (int round = 0; round < 3; round++) {
            for (long off = 0; off < disk.size(); off += CHUNK) {
                int n = (int) Math.min(CHUNK, disk.size() - off);
                assertArrayEquals(Arrays.copyOfRange(base, (int) off, (int) off + n), read(v, off, n));
                assertTrue(cache.bytesHeld() <= bound, () -> "held " + cache.bytesHeld() + " > " + bound);
            }
        }
        assertTrue(meters.get("cache.evictions").tag("cache", "icbd_block_cache").functionCounter().count() > 0);
        assertEquals(cache.entries(), cache.slotsInUse(), "every evicted chunk gave its memory back");
    }

    @Test
    void readsSpanningChunksAndThePartialLastChunkAreExact() throws IOException {
        BlockCache cache = new BlockCache(64L << 20, CHUNK, meters);
        FakeDisk disk = new FakeDisk(base, CHUNK);
        CachedVolume v = new CachedVolume(cache, disk.locator(), disk, disk.size());
        assertArrayEquals(Arrays.copyOfRange(base, CHUNK - 512, 3 * CHUNK + 512), read(v, CHUNK - 512, 2 * CHUNK + 1024));
        int tail = 4096 + 512;
        assertArrayEquals(Arrays.copyOfRange(base, base.length - tail, base.length), read(v, base.length - tail, tail));
    }

    @Test
    void aReadAcrossSharedAndWrittenChunksTakesEachFromItsPlace() throws IOException {
        BlockCache cache = new BlockCache(64L << 20, CHUNK, meters);
        FakeDisk disk = new FakeDisk(base, CHUNK);
        CachedVolume v = new CachedVolume(cache, disk.locator(), disk, disk.size());
        byte[] mine = random(CHUNK, 3);
        v.write(2L * CHUNK, CHUNK, () -> disk.write(2L * CHUNK, mine));
        byte[] expected = Arrays.copyOfRange(base, CHUNK + 100, 4 * CHUNK + 100);
        System.arraycopy(mine, 0, expected, CHUNK - 100, CHUNK);
        assertArrayEquals(expected, read(v, CHUNK + 100, 3 * CHUNK));
        assertEquals(CHUNK, meters.get("icbd_block_cache_bypass_bytes").counter().count(), "the written chunk, from the volume");
        assertEquals(3 * CHUNK, meters.get("icbd_block_cache_disk_read_bytes").counter().count(), "the shared ones, via the cache");
    }

    @Test
    void aVolumeThatSharesNothingIsReadStraightFromItsDisk() throws IOException {
        BlockCache cache = new BlockCache(64L << 20, CHUNK, meters);
        FakeDisk disk = new FakeDisk(base, CHUNK);
        CachedVolume v = new CachedVolume(cache, ChunkLocator.PRIVATE, disk, disk.size());
        assertArrayEquals(Arrays.copyOfRange(base, 0, 3 * CHUNK), read(v, 0, 3 * CHUNK));
        assertArrayEquals(Arrays.copyOfRange(base, 0, 3 * CHUNK), read(v, 0, 3 * CHUNK));
        assertEquals(2, disk.reads.get(), "the page cache, not the block cache, holds private data");
        assertEquals(0, cache.entries());
    }

    @Test
    void aWriteIsSeenByTheNextReadAndNotByOtherClones() throws IOException {
        BlockCache cache = new BlockCache(64L << 20, CHUNK, meters);
        FakeDisk a = new FakeDisk(base, CHUNK);
        FakeDisk b = new FakeDisk(base, CHUNK);
        CachedVolume va = new CachedVolume(cache, a.locator(), a, a.size());
        CachedVolume vb = new CachedVolume(cache, b.locator(), b, b.size());

        assertArrayEquals(Arrays.copyOfRange(base, 0, CHUNK), read(va, 0, CHUNK));
        assertArrayEquals(Arrays.copyOfRange(base, 0, CHUNK), read(vb, 0, CHUNK));
        assertEquals(1, a.reads.get() + b.reads.get(), "two clones of one base read a shared chunk once");

        byte[] mine = new byte[4096];
        Arrays.fill(mine, (byte) 0xee);
        va.write(8192, mine.length, () -> a.write(8192, mine));

        byte[] expected = Arrays.copyOfRange(base, 0, CHUNK);
        System.arraycopy(mine, 0, expected, 8192, mine.length);
        assertArrayEquals(expected, read(va, 0, CHUNK), "the writer sees its write");
        assertArrayEquals(Arrays.copyOfRange(base, 0, CHUNK), read(vb, 0, CHUNK), "the other clone still sees the base");
        assertFalse(va.sharesAt(0), "a written chunk is the clone's own");
        assertTrue(vb.sharesAt(0));
    }

    @Test
    void aFailedWriteStillMakesItsChunksPrivate() throws IOException {
        BlockCache cache = new BlockCache(64L << 20, CHUNK, meters);
        FakeDisk a = new FakeDisk(base, CHUNK);
        CachedVolume va = new CachedVolume(cache, a.locator(), a, a.size());
        read(va, 0, CHUNK);
        byte[] half = new byte[512];
        IOException e = assertThrows(IOException.class, () -> va.write(0, 4096, () -> {
            a.write(0, half); // part of the write landed before the disk failed
            throw new IOException("EIO");
        }));
        assertEquals("EIO", e.getMessage());
        assertArrayEquals(new byte[512], read(va, 0, 512));
    }

    @Test
    void aFailedLoadCachesNothingAndReportsTheError() throws IOException {
        BlockCache cache = new BlockCache(64L << 20, CHUNK, meters);
        boolean[] fail = {true};
        ChunkSource flaky = (off, dst) -> {
            if (fail[0]) throw new IOException("medium error");
            dst.put(base, (int) off, dst.remaining());
        };
        ChunkLocator allShared = new ChunkLocator() {
            @Override
            public Object sharedSpace() {
                return FakeDisk.BASE_SPACE;
            }

            @Override
            public ChunkSource sharedSource() {
                return flaky;
            }

            @Override
            public BitSet sharedChunks(long offset, int chunkSize, int count) {
                BitSet all = new BitSet();
                all.set(0, count);
                return all;
            }
        };
        CachedVolume v = new CachedVolume(cache, allShared, flaky, base.length);
        assertEquals("medium error", assertThrows(IOException.class, () -> read(v, 0, 512)).getMessage());
        assertEquals(0, cache.entries());
        fail[0] = false;
        assertArrayEquals(Arrays.copyOfRange(base, 0, 512), read(v, 0, 512));
    }

    /**
     * A clone's write racing its own reader's load of the same shared chunk from the base: the load is held
     * in flight (not slept through) while the write happens, so the interleaving is the same on every run.
     * The read began before the write and so returns the bytes before it; the write stays with the writer.
     */
    @Test
    void aWriteRacingASharedLoadStaysWithTheWriter() throws Exception {
        BlockCache cache = new BlockCache(64L << 20, CHUNK, meters);
        FakeDisk a = new FakeDisk(base, CHUNK);
        FakeDisk b = new FakeDisk(base, CHUNK);
        CachedVolume va = new CachedVolume(cache, a.locator(), a, a.size());
        CachedVolume vb = new CachedVolume(cache, b.locator(), b, b.size());
        byte[] mine = random(4096, 7);
        byte[] before = Arrays.copyOfRange(base, 0, CHUNK);
        byte[] after = before.clone();
        System.arraycopy(mine, 0, after, 0, 4096);
        FakeDisk.Hold load = new FakeDisk.Hold();
        a.hold.set(load);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<byte[]> reader = pool.submit(() -> read(va, 0, CHUNK));
            load.entered().await(); // the load from the base is in flight
            va.write(0, 4096, () -> a.write(0, mine));
            load.release().countDown();
            assertArrayEquals(before, reader.get(), "the read that began before the write");
            assertArrayEquals(after, read(va, 0, CHUNK), "the writer's next read sees its write");
        }
        assertArrayEquals(Arrays.copyOfRange(base, 0, CHUNK), read(vb, 0, CHUNK));
        assertEquals(0, b.reads.get(), "the other clone is served the base's chunk from memory");
    }

    /**
     * Eight threads read and write two clones of one base at random, each writing only its own 4 KiB
     * blocks (so its expectations are exact) but all of them sharing chunks, and read the base: every
     * read must equal the model, whatever loads, writes and invalidations interleave.
     */
    @Test
    void concurrentReadersAndWritersAcrossClonesAlwaysReadTheModel() throws Exception {
        BlockCache cache = new BlockCache(12L * CHUNK, CHUNK, meters); // small: eviction and reload all the time
        FakeDisk[] disks = {new FakeDisk(base, CHUNK), new FakeDisk(base, CHUNK), new FakeDisk(base, CHUNK)};
        CachedVolume[] vols = new CachedVolume[3];
        for (int i = 0; i < 3; i++) vols[i] = new CachedVolume(cache, disks[i].locator(), disks[i], disks[i].size());
        byte[][] model = {base.clone(), base.clone(), base.clone()}; // [0] is the base, never written
        int threads = 8;
        int blocks = base.length / 4096;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                all.add(pool.submit(() -> {
                    Random r = new Random(me);
                    for (int op = 0; op < 6000; op++) {
                        int vol = r.nextInt(3);
                        int block = r.nextInt(blocks / threads) * threads + me; // my blocks only
                        long off = block * 4096L;
                        if (vol > 0 && r.nextInt(3) == 0) {
                            byte[] data = random(4096, r.nextLong());
                            vols[vol].write(off, 4096, () -> disks[vol].write(off, data));
                            synchronized (model) {
                                System.arraycopy(data, 0, model[vol], (int) off, 4096);
                            }
                        } else {
                            byte[] got = read(vols[vol], off, 4096);
                            byte[] want;
                            synchronized (model) {
                                want = Arrays.copyOfRange(model[vol], (int) off, (int) off + 4096);
                            }
                            assertArrayEquals(want, got, "volume " + vol + " block " + block + " op " + op);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) f.get();
        }
        assertTrue(cache.bytesHeld() <= 12L * CHUNK);
        assertEquals(cache.entries(), cache.slotsInUse(), "every evicted chunk gave its memory back");
    }

    private static byte[] read(CachedVolume v, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        v.read(offset, b);
        return b.array();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
