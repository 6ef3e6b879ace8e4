package org.icbd.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The node's read cache: chunks of disk data under {@link ChunkKey}s, bounded by bytes, shared by all
 * volumes. Loads are single-flight: a chunk being loaded is in the cache as a pending future, so
 * however many readers miss on it at once, one disk read serves them all. A request's missing chunks
 * are loaded together, so a 64 KiB read that misses is one disk read, not sixteen.
 *
 * <p>Invalidating a chunk while it loads drops the pending load: it completes for the readers that
 * were already waiting (they raced the write) but never enters the cache.
 */
public final class BlockCache {

    /** Per-entry bookkeeping on top of the data, so the bound holds for small chunks too. */
    private static final int ENTRY_OVERHEAD = 128;

    /** Reads the missing chunks of one request; returns each one's bytes. */
    @FunctionalInterface
    public interface BulkLoader {
        Map<ChunkKey, byte[]> load(Set<? extends ChunkKey> missing) throws IOException;
    }

    private final int chunkSize;
    private final long maxBytes;
    private final AsyncCache<ChunkKey, byte[]> chunks;
    private final Counter diskBytes;
    private final Counter hits;
    private final Counter misses;

    /**
     * @param maxBytes  bound on the bytes held (data plus per-entry overhead)
     * @param chunkSize unit of caching, a power of two from 4 KiB to 1 MiB
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
                .buildAsync();
        CaffeineCacheMetrics.monitor(meters, chunks, "icbd_block_cache");
        Gauge.builder("icbd_block_cache_bytes", this, BlockCache::bytesHeld).baseUnit("bytes")
                .description("bytes held by the block cache").register(meters);
        Gauge.builder("icbd_block_cache_max_bytes", this, c -> c.maxBytes).baseUnit("bytes").register(meters);
        this.diskBytes = Counter.builder("icbd_block_cache_disk_read_bytes").baseUnit("bytes")
                .description("bytes the block cache read from disk on misses").register(meters);
        this.hits = Counter.builder("icbd_block_cache_hits").description("chunks read from memory").register(meters);
        this.misses = Counter.builder("icbd_block_cache_misses").description("chunks read from disk").register(meters);
    }

    public int chunkSize() {
        return chunkSize;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** The chunk under {@code key} if it is in memory now (not loading), else null; the cheap path of a hit. */
    byte[] peek(ChunkKey key) {
        CompletableFuture<byte[]> f = chunks.asMap().get(key);
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) return null;
        return f.join();
    }

    void countHits(int n) {
        hits.increment(n);
    }

    /** The chunks under {@code keys}, the missing ones read with one call of {@code loader}. */
    Map<ChunkKey, byte[]> getAll(List<ChunkKey> keys, BulkLoader loader) throws IOException {
        CompletableFuture<Map<ChunkKey, byte[]>> all = chunks.getAll(keys, (missing, executor) -> {
            try {
                misses.increment(missing.size());
                Map<ChunkKey, byte[]> got = loader.load(missing);
                long bytes = 0;
                for (byte[] b : got.values()) bytes += b.length;
                diskBytes.increment(bytes);
                return CompletableFuture.completedFuture(got);
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e); // nothing is cached; every waiter sees the error
            }
        });
        try {
            return all.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) throw io;
            if (cause instanceof UncheckedIOException u) throw u.getCause();
            if (cause instanceof RuntimeException r) throw r;
            throw new IOException(cause);
        }
    }

    void invalidate(ChunkKey key) {
        chunks.synchronous().invalidate(key);
    }

    /** Bytes held now, overhead included; never above the bound once maintenance has run. */
    public long bytesHeld() {
        var sync = chunks.synchronous();
        sync.cleanUp();
        return sync.policy().eviction().orElseThrow().weightedSize().orElse(0);
    }
}
