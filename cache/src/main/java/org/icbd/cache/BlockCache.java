package org.icbd.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.icbd.cache.ChunkStore.Chunk;

/**
 * The node's read cache: chunks of disk data under {@link ChunkKey}s, bounded by bytes, shared by all
 * volumes. Loads are single-flight: a chunk being loaded is in the cache as a pending future, so
 * however many readers miss on it at once, one disk read serves them all. A request's missing chunks
 * are loaded together, so a 64 KiB read that misses is one disk read, not sixteen.
 *
 * <p>Chunk bytes live in a {@link ChunkStore}, not in an array per entry; an entry leaving the cache
 * (evicted) gives its slot back through the removal listener.
 */
public final class BlockCache {

    /** Per-entry bookkeeping on top of the data, so the bound holds for small chunks too. */
    private static final int ENTRY_OVERHEAD = 128;

    /** Reads the missing chunks of one request into the store; returns where each one went. */
    @FunctionalInterface
    public interface BulkLoader {
        Map<ChunkKey, Chunk> load(Set<? extends ChunkKey> missing, ChunkStore store) throws IOException;
    }

    private final int chunkSize;
    private final long maxBytes;
    private final ChunkStore store;
    private final AsyncCache<ChunkKey, Chunk> chunks;
    private final Counter diskBytes;
    private final Counter hits;
    private final Counter misses;
    private final Counter bypassBytes;

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
        // a slot per chunkSize of the bound: entries also weigh their overhead, so the slots left over
        // hold the loads in flight, which the cache weighs only once they complete
        this.store = new ChunkStore(chunkSize, (int) Math.min(Integer.MAX_VALUE - 8, maxBytes / chunkSize));
        this.chunks = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((ChunkKey k, Chunk v) -> chunkSize + ENTRY_OVERHEAD)
                .executor(Runnable::run) // maintenance on the caller: no pool threads, eviction keeps up with loads
                .removalListener((ChunkKey k, Chunk v, RemovalCause cause) -> {
                    if (v != null) store.free(v);
                })
                .recordStats()
                .buildAsync();
        CaffeineCacheMetrics.monitor(meters, chunks, "icbd_block_cache");
        Gauge.builder("icbd_block_cache_bytes", this, BlockCache::bytesHeld).baseUnit("bytes")
                .description("bytes held by the block cache").register(meters);
        Gauge.builder("icbd_block_cache_max_bytes", this, c -> c.maxBytes).baseUnit("bytes").register(meters);
        this.diskBytes = Counter.builder("icbd_block_cache_disk_read_bytes").baseUnit("bytes")
                .description("bytes the block cache read from disk on misses").register(meters);
        this.hits = Counter.builder("icbd_block_cache_hits")
                .description("chunks read from memory, fast path included (Caffeine's cache_gets counts only its own lookups)").register(meters);
        this.misses = Counter.builder("icbd_block_cache_misses").description("chunks read from disk").register(meters);
        this.bypassBytes = Counter.builder("icbd_block_cache_bypass_bytes").baseUnit("bytes")
                .description("bytes read from their volume past the block cache: chunks a clone wrote itself, and holes (no extent to share)")
                .register(meters);
    }

    public int chunkSize() {
        return chunkSize;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** The chunk under {@code key} if it is in memory now (not loading), else null; the cheap path of a hit. */
    Chunk peek(ChunkKey key) {
        CompletableFuture<Chunk> f = chunks.asMap().get(key);
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) return null;
        return f.join();
    }

    void countHits(int n) {
        hits.increment(n);
    }

    void countBypass(int bytes) {
        bypassBytes.increment(bytes);
    }

    /** The chunks under {@code keys}, the missing ones read with one call of {@code loader}. */
    Map<ChunkKey, Chunk> getAll(List<ChunkKey> keys, BulkLoader loader) throws IOException {
        CompletableFuture<Map<ChunkKey, Chunk>> all = chunks.getAll(keys, (missing, executor) -> {
            try {
                misses.increment(missing.size());
                Map<ChunkKey, Chunk> got = loader.load(missing, store);
                long bytes = 0;
                for (Chunk c : got.values()) bytes += c.length();
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

    /** Copies part of a chunk into {@code dst}; false when it left the cache meanwhile (see {@link ChunkStore}). */
    boolean copy(Chunk chunk, int from, int length, ByteBuffer dst) {
        return store.copy(chunk, from, length, dst);
    }

    /** Chunks whose memory is not given back yet (in the cache, or loading). */
    int slotsInUse() {
        return store.inUse();
    }

    /** Chunks in the cache once pending maintenance has run. */
    long entries() {
        var sync = chunks.synchronous();
        sync.cleanUp();
        return sync.estimatedSize();
    }

    /** Bytes held now, overhead included; never above the bound once maintenance has run. */
    public long bytesHeld() {
        var sync = chunks.synchronous();
        sync.cleanUp();
        return sync.policy().eviction().orElseThrow().weightedSize().orElse(0);
    }
}
