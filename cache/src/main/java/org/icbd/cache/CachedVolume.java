package org.icbd.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One volume's view of the {@link BlockCache}: reads are served chunk by chunk from the cache,
 * and the volume's writes go through {@link #write} so no reader ever sees data older than a
 * completed write.
 *
 * <p>Keys: a chunk the volume has written since it was opened is keyed by the volume itself and
 * dropped on every write; any other chunk takes the {@link ChunkLocator}'s shared key if there is
 * one (a clone's unmodified extent, keyed like its snapshot's), else the volume's own key. Once
 * written, a chunk never goes back to a shared key: copy-on-write never re-shares an extent.
 *
 * <p>A striped read-write lock orders a chunk's loads against writes to it: a load that started
 * before a write cannot put the older bytes into the cache after the write has invalidated them.
 */
public final class CachedVolume {

    private static final int STRIPES = 256;

    private final BlockCache cache;
    private final ChunkLocator locator;
    private final ChunkSource source;
    private final long size;
    private final int chunkSize;
    private final int chunkShift;
    /** This volume's own key space; identity equality, so no two volumes ever collide. */
    private final Object ownSpace = new Object();
    private final ConcurrentHashMap<Long, ChunkKey> shared = new ConcurrentHashMap<>();
    private final java.util.Set<Long> written = ConcurrentHashMap.newKeySet();
    private final ReentrantReadWriteLock[] stripes = new ReentrantReadWriteLock[STRIPES];

    public CachedVolume(BlockCache cache, ChunkLocator locator, ChunkSource source, long size) {
        this.cache = cache;
        this.locator = locator;
        this.source = source;
        this.size = size;
        this.chunkSize = cache.chunkSize();
        this.chunkShift = Integer.numberOfTrailingZeros(chunkSize);
        for (int i = 0; i < STRIPES; i++) stripes[i] = new ReentrantReadWriteLock();
    }

    /** Reads {@code dst.remaining()} bytes at {@code offset} through the cache. */
    public void read(long offset, ByteBuffer dst) throws IOException {
        long pos = offset;
        while (dst.hasRemaining()) {
            long chunk = pos >>> chunkShift;
            long start = chunk << chunkShift;
            int within = (int) (pos - start);
            int n = Math.min(dst.remaining(), chunkLength(start) - within);
            ReentrantReadWriteLock.ReadLock lock = stripe(chunk).readLock();
            lock.lock();
            try {
                byte[] data = cache.get(keyOf(chunk, start), chunkLength(start), source, start);
                dst.put(data, within, n);
            } finally {
                lock.unlock();
            }
            pos += n;
        }
    }

    /** What a write or deallocation does to the disk; run by {@link #write} while readers of its chunks wait. */
    @FunctionalInterface
    public interface Mutation {
        void run() throws IOException;
    }

    /**
     * Runs {@code mutation}, which changes {@code length} bytes at {@code offset}, and forgets every
     * cached chunk of this volume it touches. Whatever the mutation does, even when it fails halfway,
     * later reads come from the disk.
     */
    public void write(long offset, long length, Mutation mutation) throws IOException {
        if (length <= 0) {
            mutation.run();
            return;
        }
        long first = offset >>> chunkShift;
        long last = (offset + length - 1) >>> chunkShift;
        // lock the stripes in index order, each once, so two writes never deadlock
        boolean[] take = new boolean[STRIPES];
        if (last - first + 1 >= STRIPES) {
            java.util.Arrays.fill(take, true);
        } else {
            for (long c = first; c <= last; c++) take[(int) (c & (STRIPES - 1))] = true;
        }
        for (int i = 0; i < STRIPES; i++) if (take[i]) stripes[i].writeLock().lock();
        try {
            mutation.run();
        } finally {
            for (long c = first; c <= last; c++) {
                written.add(c);
                shared.remove(c);
                cache.invalidate(new ChunkKey(ownSpace, c << chunkShift));
            }
            for (int i = STRIPES - 1; i >= 0; i--) if (take[i]) stripes[i].writeLock().unlock();
        }
    }

    private ChunkKey keyOf(long chunk, long start) throws IOException {
        if (!written.contains(chunk)) {
            ChunkKey k = shared.get(chunk);
            if (k == null) {
                k = locator.sharedKey(start, chunkLength(start));
                if (k == null) k = new ChunkKey(ownSpace, start);
                shared.put(chunk, k);
            }
            return k;
        }
        return new ChunkKey(ownSpace, start);
    }

    private int chunkLength(long start) {
        return (int) Math.min(chunkSize, size - start);
    }

    private ReentrantReadWriteLock stripe(long chunk) {
        return stripes[(int) (chunk & (STRIPES - 1))];
    }

    /** True when the chunk holding {@code offset} is in the cache under the key reads use now (for tests). */
    boolean cached(long offset) throws IOException {
        long chunk = offset >>> chunkShift;
        return cache.contains(keyOf(chunk, chunk << chunkShift));
    }

    /** The key reads of {@code offset} use now (for tests and diagnostics). */
    public ChunkKey keyAt(long offset) throws IOException {
        long chunk = offset >>> chunkShift;
        return keyOf(chunk, chunk << chunkShift);
    }

    /** True when {@code key} belongs to this volume alone. */
    public boolean isOwn(ChunkKey key) {
        return key.space() == ownSpace;
    }
}
