package org.icbd.cache;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The memory the cached chunks live in: fixed-size slots in large slabs that are allocated on first
 * use and kept for the life of the cache. The garbage collector sees a few long-lived arrays instead
 * of one small array per chunk; with a small array per chunk, caching at disk speed made G1 copy
 * every freshly cached chunk (median pauses of over 100 ms at a few hundred MB/s of misses).
 *
 * <p>A slot is reused as soon as its chunk leaves the cache, while a reader may still be copying
 * from it. Every slot has a generation, bumped when the slot is freed: a reader copies first and then
 * checks that the generation is still the one its {@link Chunk} was stored under (the optimistic read
 * of a sequence lock). A failed check means the copy may be torn and the reader must try again.
 */
final class ChunkStore {

    /** Where one chunk's bytes are: a slot and the generation they were written under, or a heap array. */
    record Chunk(int slot, int generation, int length, byte[] heap) {
        static Chunk onHeap(byte[] bytes) {
            return new Chunk(-1, 0, bytes.length, bytes);
        }
    }

    private static final int SLAB_BYTES = 8 << 20;

    private final int slotSize;
    private final int slotShift;
    private final int slotsPerSlab;
    private final int slotCount;
    private final byte[][] slabs;
    private final AtomicIntegerArray generations;
    /** Free slots as a stack; slots never handed out yet are {@code next..slotCount-1}. */
    private final int[] free;
    private int freeTop;
    private int next;
    private int onHeap;

    /** A store of {@code slotCount} slots of {@code slotSize} bytes (a power of two, at most 8 MiB). */
    ChunkStore(int slotSize, int slotCount) {
        if (Integer.bitCount(slotSize) != 1 || slotSize > SLAB_BYTES) {
            throw new IllegalArgumentException("slot size must be a power of two up to 8 MiB; got " + slotSize);
        }
        this.slotSize = slotSize;
        this.slotShift = Integer.numberOfTrailingZeros(slotSize);
        this.slotsPerSlab = SLAB_BYTES / slotSize;
        this.slotCount = slotCount;
        this.slabs = new byte[(slotCount + slotsPerSlab - 1) / slotsPerSlab][];
        this.generations = new AtomicIntegerArray(slotCount);
        this.free = new int[slotCount];
    }

    /**
     * Copies {@code length} bytes of {@code src} from {@code offset} into a free slot. When every slot is
     * taken (loads in flight are not yet weighed by the cache) the chunk lives on the heap instead.
     */
    Chunk store(byte[] src, int offset, int length) {
        int slot = take();
        if (slot < 0) return Chunk.onHeap(Arrays.copyOfRange(src, offset, offset + length));
        System.arraycopy(src, offset, slab(slot), position(slot), length);
        return new Chunk(slot, generations.get(slot), length, null);
    }

    /**
     * Copies {@code length} bytes of {@code chunk} from {@code from} into {@code dst}. Returns false when
     * the slot was freed meanwhile: what was copied may be torn, and {@code dst}'s position is unchanged.
     */
    boolean copy(Chunk chunk, int from, int length, ByteBuffer dst) {
        if (chunk.heap() != null) {
            dst.put(chunk.heap(), from, length);
            return true;
        }
        int slot = chunk.slot();
        if (generations.get(slot) != chunk.generation()) return false;
        int start = dst.position();
        dst.put(slab(slot), position(slot) + from, length);
        VarHandle.acquireFence(); // the copy's loads complete before the generation is read again
        if (generations.get(slot) == chunk.generation()) return true;
        dst.position(start);
        return false;
    }

    /** Returns {@code chunk}'s slot for reuse; readers still holding the chunk will see it is gone. */
    void free(Chunk chunk) {
        if (chunk.heap() != null) {
            synchronized (this) {
                onHeap--;
            }
            return;
        }
        generations.incrementAndGet(chunk.slot()); // a full fence: the bump is visible before any reuse
        synchronized (this) {
            free[freeTop++] = chunk.slot();
        }
    }

    /** A free slot, or -1 (counted as a chunk on the heap) when there is none. */
    private synchronized int take() {
        if (freeTop > 0) return free[--freeTop];
        if (next == slotCount) {
            onHeap++;
            return -1;
        }
        int slot = next++;
        int s = slot / slotsPerSlab;
        if (slabs[s] == null) slabs[s] = new byte[Math.min(SLAB_BYTES, (slotCount - s * slotsPerSlab) << slotShift)];
        return slot;
    }

    private byte[] slab(int slot) {
        return slabs[slot / slotsPerSlab];
    }

    private int position(int slot) {
        return (slot % slotsPerSlab) << slotShift;
    }

    /** Chunks stored and not yet freed, in slots or on the heap. */
    synchronized int inUse() {
        return next - freeTop + onHeap;
    }

    /** Bytes of slab memory allocated so far. */
    synchronized long allocatedBytes() {
        long bytes = 0;
        for (byte[] s : slabs) if (s != null) bytes += s.length;
        return bytes;
    }
}
