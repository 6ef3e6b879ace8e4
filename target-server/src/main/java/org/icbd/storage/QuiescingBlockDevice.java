package org.icbd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A device whose writes can be paused at a crash-consistent point: {@link #quiesce} waits for
 * the writes in flight to finish, holds new ones back, flushes, and hands back a {@link Pause}
 * whose close lets writes continue. Replication snapshots a volume inside such a pause, so the
 * standby always holds a state the disk really had. Reads never wait.
 *
 * <p>Writers share the read side of a fair lock; a quiesce takes the write side, so it waits
 * only for the writes already running and is not starved by a steady stream of new ones.
 */
public final class QuiescingBlockDevice extends ForwardingBlockDevice {

    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
    /**
     * Set when the LUN is closed (its target dropped, a work copy's edit ended): nothing more is written, so a
     * checkpoint still holding this gate has nothing to drain or flush, and must not fail on the closed file.
     */
    private volatile boolean closed;

    public QuiescingBlockDevice(BlockDevice inner) {
        super(inner);
    }

    /** An I/O pause; closing it resumes writes. */
    public interface Pause extends AutoCloseable {
        /** How long it took to drain the writes in flight and flush. */
        Duration drainTime();

        @Override
        void close();
    }

    /**
     * Drains in-flight writes and flushes; new writes wait until the returned pause is closed.
     *
     * @throws IOException when the writes in flight do not finish within {@code timeout} (the
     *                     pause is then not taken and writes go on), or the flush fails
     */
    public Pause quiesce(Duration timeout) throws IOException {
        long t0 = System.nanoTime();
        try {
            if (!gate.writeLock().tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new IOException("writes in flight did not drain within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while draining writes", e);
        }
        try {
            if (!closed) inner.flush();
        } catch (IOException | RuntimeException e) {
            gate.writeLock().unlock();
            throw e;
        }
        Duration drained = Duration.ofNanos(System.nanoTime() - t0);
        return new Pause() {
            private boolean closed;

            @Override
            public Duration drainTime() {
                return drained;
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    gate.writeLock().unlock();
                }
            }
        };
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        gate.readLock().lock();
        try {
            inner.write(offset, src, fua);
        } finally {
            gate.readLock().unlock();
        }
    }

    @Override
    public void unmap(long offset, long length) throws IOException {
        gate.readLock().lock();
        try {
            inner.unmap(offset, length);
        } finally {
            gate.readLock().unlock();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        super.close();
    }
}
