package org.icbd.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.icbd.cache.ChunkStore.Chunk;

/**
 * One volume's view of the {@link BlockCache}. The cache holds what the page cache would hold once
 * per clone: chunks the {@link ChunkLocator} reports shared with an immutable snapshot, keyed by that
 * snapshot, loaded from it, and never invalidated (the snapshot never changes). Every other chunk is
 * the volume's alone and is read straight from the volume: the page cache already holds such bytes
 * exactly once, and copying them into the block cache as well made a miss three to eight times slower
 * than the plain read (measured with sequential and random reads of a sparse image).
 *
 * <p>The volume's writes go through {@link #write}, which marks their chunks written: a written chunk
 * is private for good (copy-on-write never re-shares an extent), so no read that starts after a write
 * returns the snapshot's bytes for it. The shared/written state is kept per window of chunks as two
 * bit sets, not per chunk.
 */
public final class CachedVolume {

    /**
     * Chunks are mapped a window at a time: one extent lookup per 16 MiB. After a cold start each lookup
     * may read file-system metadata from disk, so fewer, larger lookups keep a booting client's first
     * reads fast; the window's state is two bit sets of 4096 chunks.
     */
    private static final int WINDOW_BYTES = 16 << 20;

    /** Tries to copy a run of shared chunks before reading it from the snapshot instead. */
    private static final int ATTEMPTS = 3;

    /** What is known of one window: which chunks are shared (null: not looked up yet) and which were written. */
    private record Window(BitSet shared, BitSet written) {
    }

    private final BlockCache cache;
    private final ChunkLocator locator;
    private final Object sharedSpace;
    private final ChunkSource sharedSource;
    private final ChunkSource source;
    private final long size;
    private final int chunkSize;
    private final int chunkShift;
    private final int chunksPerWindow;
    private final ConcurrentHashMap<Long, Window> windows = new ConcurrentHashMap<>();
    /** Orders window lookups against writes marking chunks written. */
    private final ReentrantLock mapping = new ReentrantLock();

    public CachedVolume(BlockCache cache, ChunkLocator locator, ChunkSource source, long size) {
        this.cache = cache;
        this.locator = locator;
        this.sharedSpace = locator.sharedSpace();
        this.sharedSource = locator.sharedSource();
        if (sharedSpace != null && sharedSource == null) throw new IllegalArgumentException("a shared space needs its source");
        this.source = source;
        this.size = size;
        this.chunkSize = cache.chunkSize();
        this.chunkShift = Integer.numberOfTrailingZeros(chunkSize);
        this.chunksPerWindow = Math.max(1, WINDOW_BYTES / chunkSize);
    }

    /** Reads {@code dst.remaining()} bytes at {@code offset}: shared chunks through the cache, the rest from the volume. */
    public void read(long offset, ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) return;
        if (sharedSpace == null) {
            readPrivate(offset, dst);
            return;
        }
        long end = offset + dst.remaining();
        long chunk = offset >>> chunkShift;
        long last = (end - 1) >>> chunkShift;
        boolean shared = isShared(chunk);
        while (chunk <= last) {
            long next = chunk + 1;
            boolean nextShared = shared; // looked up once per chunk: where a run ends, it is the next run's kind
            while (next <= last && (nextShared = isShared(next)) == shared) next++;
            long from = Math.max(offset, chunk << chunkShift);
            int length = (int) (Math.min(end, next << chunkShift) - from);
            ByteBuffer part = dst.slice(dst.position(), length);
            if (shared) readShared(from, part);
            else readPrivate(from, part);
            dst.position(dst.position() + length);
            chunk = next;
            shared = nextShared;
        }
    }

    private void readPrivate(long offset, ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        source.read(offset, dst);
        cache.countBypass(n);
    }

    /** Shared chunks only: from memory, or loaded from the snapshot. */
    private void readShared(long offset, ByteBuffer dst) throws IOException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            if (readSharedOnce(offset, dst)) return;
            dst.clear();
        }
        // chunks keep leaving the cache while this reader copies them (a cache far too small for
        // the load): the snapshot itself has the same bytes
        sharedSource.read(offset, dst);
    }

    /** One try; false when a chunk was evicted while being copied (dst is then partly filled). */
    private boolean readSharedOnce(long offset, ByteBuffer dst) throws IOException {
        long first = offset >>> chunkShift;
        int n = (int) (((offset + dst.remaining() - 1) >>> chunkShift) - first + 1);
        ChunkKey[] keys = new ChunkKey[n];
        Chunk[] data = new Chunk[n];
        int present = 0;
        for (int i = 0; i < n; i++) {
            keys[i] = new ChunkKey(sharedSpace, (first + i) << chunkShift);
            data[i] = cache.peek(keys[i]);
            if (data[i] != null) present++;
        }
        if (present < n) {
            // some are missing (or loading): load what is absent as runs, wait for what is in flight
            Map<ChunkKey, Chunk> got = cache.getAll(Arrays.asList(keys), this::load);
            for (int i = 0; i < n; i++) data[i] = got.get(keys[i]);
        }
        int within = (int) (offset - (first << chunkShift));
        for (int i = 0; i < n; i++) {
            int len = Math.min(dst.remaining(), data[i].length() - within);
            if (!cache.copy(data[i], within, len, dst)) return false;
            within = 0;
        }
        cache.countHits(present);
        return true;
    }

    /** Reads the missing chunks from the snapshot in runs of adjacent ones, one disk read per run. */
    private Map<ChunkKey, Chunk> load(Set<? extends ChunkKey> missing, ChunkStore store) throws IOException {
        List<ChunkKey> keys = new ArrayList<>(missing);
        keys.sort(Comparator.comparingLong(ChunkKey::offset));
        Map<ChunkKey, Chunk> out = new HashMap<>();
        int i = 0;
        while (i < keys.size()) {
            int j = i + 1;
            long start = keys.get(i).offset();
            while (j < keys.size() && keys.get(j).offset() == start + (long) (j - i) * chunkSize) j++;
            long end = Math.min(size, start + (long) (j - i) * chunkSize);
            byte[] run = new byte[(int) (end - start)];
            sharedSource.read(start, ByteBuffer.wrap(run));
            for (int k = i; k < j; k++) {
                int off = (k - i) * chunkSize;
                out.put(keys.get(k), store.store(run, off, Math.min(run.length - off, chunkSize)));
            }
            i = j;
        }
        return out;
    }

    /** What a write or deallocation does to the disk. */
    @FunctionalInterface
    public interface Mutation {
        void run() throws IOException;
    }

    /**
     * Runs {@code mutation}, which changes {@code length} bytes at {@code offset}, then marks the chunks
     * it touched as this volume's own. Whatever the mutation does, even when it fails halfway, later
     * reads of those chunks come from the volume.
     */
    public void write(long offset, long length, Mutation mutation) throws IOException {
        try {
            mutation.run();
        } finally {
            if (length > 0) markWritten(offset >>> chunkShift, (offset + length - 1) >>> chunkShift);
        }
    }

    private void markWritten(long first, long last) {
        mapping.lock();
        try {
            for (long w = first / chunksPerWindow; w <= last / chunksPerWindow; w++) {
                Window old = windows.get(w);
                BitSet shared = old == null || old.shared() == null ? null : (BitSet) old.shared().clone();
                BitSet written = old == null ? new BitSet() : (BitSet) old.written().clone();
                long from = Math.max(first, w * chunksPerWindow);
                long to = Math.min(last, (w + 1) * chunksPerWindow - 1);
                int a = (int) (from - w * chunksPerWindow);
                int b = (int) (to - w * chunksPerWindow) + 1;
                written.set(a, b);
                if (shared != null) shared.clear(a, b);
                windows.put(w, new Window(shared, written));
            }
        } finally {
            mapping.unlock();
        }
    }

    private boolean isShared(long chunk) throws IOException {
        long w = chunk / chunksPerWindow;
        Window win = windows.get(w);
        if (win == null || win.shared() == null) win = lookUp(w);
        return win.shared().get((int) (chunk - w * chunksPerWindow));
    }

    private Window lookUp(long w) throws IOException {
        mapping.lock();
        try {
            Window win = windows.get(w);
            if (win != null && win.shared() != null) return win;
            long offset = w * chunksPerWindow * (long) chunkSize;
            int count = (int) Math.min(chunksPerWindow, (size - offset + chunkSize - 1) / chunkSize);
            BitSet shared = locator.sharedChunks(offset, chunkSize, count);
            BitSet written = win == null ? new BitSet() : win.written();
            shared.andNot(written);
            Window fresh = new Window(shared, written);
            windows.put(w, fresh);
            return fresh;
        } finally {
            mapping.unlock();
        }
    }

    /** True when reads of {@code offset} come from the shared snapshot (through the cache) now. */
    public boolean sharesAt(long offset) throws IOException {
        return sharedSpace != null && isShared(offset >>> chunkShift);
    }
}
