package org.icbd.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One volume's view of the {@link BlockCache}: reads are served chunk by chunk from the cache, and
 * the volume's writes go through {@link #write} so no read that starts after a write returns data
 * from before it.
 *
 * <p>Keys: a chunk the {@link ChunkLocator} reports shared is keyed by the shared space and its
 * offset; any other chunk, and every chunk this volume has written since it was opened, by the
 * volume's own space. A written chunk never becomes shared again (copy-on-write never re-shares an
 * extent), so the answer is kept per window of chunks as two bit sets, not per chunk.
 */
public final class CachedVolume {

    /**
     * Chunks are mapped a window at a time: one extent lookup per 16 MiB. After a cold start each lookup
     * may read file-system metadata from disk, so fewer, larger lookups keep a booting client's first
     * reads fast; the window's state is two bit sets of 4096 chunks.
     */
    private static final int WINDOW_BYTES = 16 << 20;

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
    /** This volume's own key space; identity equality, so no two volumes ever collide. */
    private final Object ownSpace = new Object();
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

    /** Reads {@code dst.remaining()} bytes at {@code offset} through the cache. */
    public void read(long offset, ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) return;
        long first = offset >>> chunkShift;
        int n = (int) (((offset + dst.remaining() - 1) >>> chunkShift) - first + 1);
        ChunkKey[] keys = new ChunkKey[n];
        byte[][] data = new byte[n][];
        int present = 0;
        for (int i = 0; i < n; i++) {
            keys[i] = keyOf(first + i);
            data[i] = cache.peek(keys[i]);
            if (data[i] != null) present++;
        }
        if (present < n) {
            // some are missing (or loading): load what is absent as runs, wait for what is in flight
            Map<ChunkKey, byte[]> got = cache.getAll(java.util.Arrays.asList(keys), this::load);
            for (int i = 0; i < n; i++) data[i] = got.get(keys[i]);
        }
        cache.countHits(present);
        int within = (int) (offset - (first << chunkShift));
        for (int i = 0; i < n; i++) {
            int len = Math.min(dst.remaining(), data[i].length - within);
            dst.put(data[i], within, len);
            within = 0;
        }
    }

    /**
     * Reads the missing chunks in runs of adjacent ones, one disk read per run: the volume's own chunks
     * from the volume, shared ones from the shared space.
     */
    private Map<ChunkKey, byte[]> load(Set<? extends ChunkKey> missing) throws IOException {
        Map<ChunkKey, byte[]> out = new HashMap<>();
        List<ChunkKey> own = new ArrayList<>();
        List<ChunkKey> shared = new ArrayList<>();
        for (ChunkKey k : missing) (k.space() == ownSpace ? own : shared).add(k);
        loadRuns(own, source, out);
        loadRuns(shared, sharedSource, out);
        return out;
    }

    private void loadRuns(List<ChunkKey> keys, ChunkSource from, Map<ChunkKey, byte[]> out)
            throws IOException {
        keys.sort(java.util.Comparator.comparingLong(ChunkKey::offset)); // a key's offset is its place in the volume
        int i = 0;
        while (i < keys.size()) {
            int j = i + 1;
            long start = keys.get(i).offset();
            while (j < keys.size() && keys.get(j).offset() == start + (long) (j - i) * chunkSize) j++;
            long end = Math.min(size, start + (long) (j - i) * chunkSize);
            byte[] run = new byte[(int) (end - start)];
            from.read(start, ByteBuffer.wrap(run));
            for (int k = i; k < j; k++) {
                int off = (k - i) * chunkSize;
                out.put(keys.get(k), java.util.Arrays.copyOfRange(run, off, Math.min(run.length, off + chunkSize)));
            }
            i = j;
        }
    }

    /** What a write or deallocation does to the disk. */
    @FunctionalInterface
    public interface Mutation {
        void run() throws IOException;
    }

    /**
     * Runs {@code mutation}, which changes {@code length} bytes at {@code offset}, then forgets every
     * cached chunk of this volume it touched. Whatever the mutation does, even when it fails halfway,
     * later reads come from the disk.
     */
    public void write(long offset, long length, Mutation mutation) throws IOException {
        try {
            mutation.run();
        } finally {
            if (length > 0) forget(offset >>> chunkShift, (offset + length - 1) >>> chunkShift);
        }
    }

    private void forget(long first, long last) {
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
        for (long c = first; c <= last; c++) cache.invalidate(new ChunkKey(ownSpace, c << chunkShift));
    }

    private ChunkKey keyOf(long chunk) throws IOException {
        long start = chunk << chunkShift;
        if (sharedSpace == null) return new ChunkKey(ownSpace, start);
        long w = chunk / chunksPerWindow;
        int bit = (int) (chunk - w * chunksPerWindow);
        Window win = windows.get(w);
        if (win == null || win.shared() == null) win = lookUp(w);
        return win.shared().get(bit) ? new ChunkKey(sharedSpace, start) : new ChunkKey(ownSpace, start);
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

    /** The key reads of {@code offset} use now (for tests and diagnostics). */
    public ChunkKey keyAt(long offset) throws IOException {
        return keyOf(offset >>> chunkShift);
    }

    /** True when {@code key} belongs to this volume alone. */
    public boolean isOwn(ChunkKey key) {
        return key.space() == ownSpace;
    }
}
