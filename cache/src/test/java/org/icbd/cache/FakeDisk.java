package org.icbd.cache;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A stand-in for a clone on a copy-on-write file system, for tests that need exact control of
 * timing and counts (the real thing is tested in target-server against btrfs): the clone starts as
 * the base's bytes and shares a chunk with the base until the chunk is first written.
 */
final class FakeDisk implements ChunkSource {

    static final Object BASE_SPACE = new Object();

    private final byte[] bytes;
    /** The base this disk was cloned from: immutable, what shared chunks are read from. */
    private final byte[] base;
    private final int chunkSize;
    private final BitSet diverged = new BitSet();
    final AtomicLong reads = new AtomicLong();
    final AtomicLong bytesRead = new AtomicLong();
    volatile long readDelayMillis;
    /** When set, the next read (of this disk or of its base) is held in flight until the test lets it go. */
    final AtomicReference<Hold> hold = new AtomicReference<>();

    /** A read held in flight: {@code entered} counts down when it has started, it finishes after {@code release}. */
    record Hold(CountDownLatch entered, CountDownLatch release) {
        Hold() {
            this(new CountDownLatch(1), new CountDownLatch(1));
        }
    }

    FakeDisk(byte[] base, int chunkSize) {
        this.bytes = base.clone();
        this.base = base.clone();
        this.chunkSize = chunkSize;
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        count(dst);
        synchronized (this) {
            dst.put(bytes, (int) offset, dst.remaining());
        }
    }

    private void count(ByteBuffer dst) {
        reads.incrementAndGet();
        bytesRead.addAndGet(dst.remaining());
        Hold h = hold.getAndSet(null);
        if (h != null) {
            h.entered().countDown();
            try {
                h.release().await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (readDelayMillis > 0) {
            try {
                Thread.sleep(readDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    synchronized void write(long offset, byte[] data) {
        for (long c = offset / chunkSize; c <= (offset + data.length - 1) / chunkSize; c++) diverged.set((int) c);
        System.arraycopy(data, 0, bytes, (int) offset, data.length);
    }

    /** Like FIEMAP against the base: shared while the chunk was never written. */
    ChunkLocator locator() {
        return new ChunkLocator() {
            @Override
            public Object sharedSpace() {
                return BASE_SPACE;
            }

            @Override
            public ChunkSource sharedSource() {
                return (offset, dst) -> {
                    count(dst);
                    dst.put(base, (int) offset, dst.remaining());
                };
            }

            @Override
            public BitSet sharedChunks(long offset, int size, int count) {
                synchronized (FakeDisk.this) {
                    BitSet out = new BitSet();
                    for (int i = 0; i < count; i++) {
                        if (!diverged.get((int) (offset / chunkSize) + i)) out.set(i);
                    }
                    return out;
                }
            }
        };
    }

    long size() {
        return bytes.length;
    }
}
