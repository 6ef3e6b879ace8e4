package org.icbd.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.icbd.cache.ChunkStore.Chunk;
import org.junit.jupiter.api.Test;

class ChunkStoreTest {

    private static final int SLOT = 4096;

    @Test
    void storedBytesComeBackExactlyIncludingAPartialChunk() {
        ChunkStore store = new ChunkStore(SLOT, 4);
        byte[] src = new byte[SLOT + 100];
        for (int i = 0; i < src.length; i++) src[i] = (byte) (i * 7);
        Chunk whole = store.store(src, 0, SLOT);
        Chunk tail = store.store(src, SLOT, 100);
        ByteBuffer dst = ByteBuffer.allocate(SLOT + 100);
        assertTrue(store.copy(whole, 0, SLOT, dst));
        assertTrue(store.copy(tail, 0, 100, dst));
        assertArrayEquals(src, dst.array());
        ByteBuffer part = ByteBuffer.allocate(10);
        assertTrue(store.copy(whole, 500, 10, part));
        assertArrayEquals(Arrays.copyOfRange(src, 500, 510), part.array());
    }

    @Test
    void aFreedChunkCannotBeReadAndItsSlotIsReused() {
        ChunkStore store = new ChunkStore(SLOT, 1);
        Chunk first = store.store(filled((byte) 1), 0, SLOT);
        store.free(first);
        Chunk second = store.store(filled((byte) 2), 0, SLOT);
        assertEquals(first.slot(), second.slot());
        ByteBuffer dst = ByteBuffer.allocate(SLOT);
        assertFalse(store.copy(first, 0, SLOT, dst), "a reader holding the freed chunk must not get the new bytes");
        assertEquals(0, dst.position(), "a failed copy leaves the buffer where it was");
        assertTrue(store.copy(second, 0, SLOT, dst));
        assertArrayEquals(filled((byte) 2), dst.array());
    }

    @Test
    void whenEverySlotIsTakenChunksLiveOnTheHeap() {
        ChunkStore store = new ChunkStore(SLOT, 2);
        store.store(filled((byte) 1), 0, SLOT);
        store.store(filled((byte) 2), 0, SLOT);
        Chunk third = store.store(filled((byte) 3), 0, SLOT);
        assertNotNull(third.heap());
        ByteBuffer dst = ByteBuffer.allocate(SLOT);
        assertTrue(store.copy(third, 0, SLOT, dst));
        assertArrayEquals(filled((byte) 3), dst.array());
        assertEquals(3, store.inUse());
        store.free(third); // no slot to give back; must not corrupt the free list
        assertEquals(2, store.inUse());
        assertNotNull(store.store(filled((byte) 4), 0, SLOT).heap(), "still no free slot, so on the heap again");
    }

    @Test
    void slabsAreAllocatedOnlyAsSlotsAreUsed() {
        ChunkStore store = new ChunkStore(SLOT, 100_000); // 390 MiB of slots
        assertEquals(0, store.allocatedBytes());
        Chunk c = store.store(filled((byte) 1), 0, SLOT);
        assertNull(c.heap());
        assertEquals(8 << 20, store.allocatedBytes());
    }

    /**
     * One thread frees and refills the slots over and over, each time with one byte value throughout;
     * readers copy chunks they hold: a copy that reports success must be the bytes that chunk was
     * stored with, never a mix of two generations.
     */
    @Test
    void aCopyThatSucceedsIsNeverTorn() throws Exception {
        ChunkStore store = new ChunkStore(SLOT, 4);
        AtomicReference<Chunk> current = new AtomicReference<>(store.store(filled((byte) 0), 0, SLOT));
        AtomicReference<Byte> currentValue = new AtomicReference<>((byte) 0);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong torn = new AtomicLong();
        AtomicLong good = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        Thread writer = new Thread(() -> {
            byte v = 0;
            while (!stop.get()) {
                v++;
                Chunk old = current.get();
                store.free(old);
                Chunk fresh = store.store(filled(v), 0, SLOT);
                synchronized (current) {
                    current.set(fresh);
                    currentValue.set(v);
                }
            }
        });
        Runnable reader = () -> {
            ByteBuffer dst = ByteBuffer.allocate(SLOT);
            while (!stop.get()) {
                Chunk c;
                byte want;
                synchronized (current) {
                    c = current.get();
                    want = currentValue.get();
                }
                dst.clear();
                if (!store.copy(c, 0, SLOT, dst)) {
                    refused.incrementAndGet();
                    continue;
                }
                byte[] got = dst.array();
                for (byte b : got) {
                    if (b != want) {
                        torn.incrementAndGet();
                        break;
                    }
                }
                good.incrementAndGet();
            }
        };
        Thread r1 = new Thread(reader);
        Thread r2 = new Thread(reader);
        writer.start();
        r1.start();
        r2.start();
        Thread.sleep(1500);
        stop.set(true);
        writer.join();
        r1.join();
        r2.join();
        assertEquals(0, torn.get(), () -> "torn copies reported as good (" + good + " good, " + refused + " refused)");
        assertTrue(refused.get() > 0, "the readers raced the writer at least once (else this test shows nothing)");
        assertTrue(good.get() > 0);
    }

    private static byte[] filled(byte v) {
        byte[] b = new byte[SLOT];
        Arrays.fill(b, v);
        return b;
    }
}
