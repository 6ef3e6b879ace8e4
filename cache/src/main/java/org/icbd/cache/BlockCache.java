package org.icbd.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The node's read cache: chunks of disk data under {@link ChunkKey}s, bounded by bytes, shared by all
 * volumes. Loads are single-flight: however many readers miss on one chunk at once, one of them reads
 * it from disk and the others wait for that read.
 */
public final class BlockCache {

    /** Per-entry bookkeeping on top of the data, so the bound holds for small chunks too. */
    private static final int ENTRY_OVERHEAD = 96;

    private final int chunkSize;
    private final long maxBytes;
    private final Cache<ChunkKey, byte[]> chunks;
    private final Counter diskBytes;

    /**
     * @param maxBytes  bound on the bytes held (data plus per-entry overhead)
     * @param chunkSize unit of caching and of disk reads, a power of two from 4 KiB to 1 MiB
     */
    public BlockCache(long maxBytes, int chunkSize, MeterRegistry meters) {
        if (Integer.bitCount(chunkSize) != 1 || chunkSize < 4096 || chunkSize > (1 << 20)) {
            throw new IllegalArgumentException("chunk size must be a power of two from 4096 to 1048576; got " + chunkSize);
        }
        if (maxBytes < chunkSize) throw new IllegalArgumentException("cache size " + maxBytes + " is below one chunk");
        this.chunkSize = chunkSize;
        this.maxBytes = maxBytes;
        this.chunks = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((ChunkKey k, byte[] v) -> v.length + ENTRY_OVERHEAD)
                .executor(Runnable::run) // maintenance on the caller: no pool threads, eviction keeps up with loads
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(meters, chunks, "icbd_block_cache");
        Gauge.builder("icbd_block_cache_bytes", this, BlockCache::bytesHeld).baseUnit("bytes")
                .description("bytes held by the block cache").register(meters);
        Gauge.builder("icbd_block_cache_max_bytes", this, c -> c.maxBytes).baseUnit("bytes").register(meters);
        this.diskBytes = Counter.builder("icbd_block_cache_disk_read_bytes").baseUnit("bytes")
                .description("bytes the block cache read from disk on misses").register(meters);
    }

    public int chunkSize() {
        return chunkSize;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** The chunk under {@code key}, read with {@code loader} if absent (once, however many ask at once). */
    byte[] get(ChunkKey key, int length, ChunkSource source, long sourceOffset) throws IOException {
        try {
            return chunks.get(key, k -> load(length, source, sourceOffset));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private byte[] load(int length, ChunkSource source, long offset) {
        byte[] data = new byte[length];
        try {
            source.read(offset, java.nio.ByteBuffer.wrap(data));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // nothing is cached; every waiter sees the error
        }
        diskBytes.increment(length);
        return data;
    }

    void invalidate(ChunkKey key) {
        chunks.invalidate(key);
    }

    boolean contains(ChunkKey key) {
        return chunks.getIfPresent(key) != null;
    }

    /** Bytes held now, overhead included; never above the bound once maintenance has run. */
    public long bytesHeld() {
        chunks.cleanUp();
        return chunks.policy().eviction().orElseThrow().weightedSize().orElse(0);
    }

    public long entries() {
        return chunks.estimatedSize();
    }
}
