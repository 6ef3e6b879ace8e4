package org.icbd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A LUN's device that can be replaced under running sessions: a clone reset puts a new subvolume
 * where the old one was, and the LUN must serve the new file at once. {@link #switchTo} waits for
 * the commands already running on the old device, installs the new one and closes the old; commands
 * that arrive meanwhile wait a moment and then run on the new one. The identity never changes (a
 * reset clone is the same disk to the initiator).
 *
 * <p>Every call takes the read side of a fair lock, a switch the write side: a steady stream of
 * commands cannot starve a switch, and a switch waits only for what is in flight.
 */
public final class SwitchableBlockDevice implements BlockDevice {

    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
    private final LunIdentity identity;
    private volatile BlockDevice current;
    private boolean closed;

    public SwitchableBlockDevice(BlockDevice initial) {
        this.current = initial;
        this.identity = initial.identity();
    }

    /** Serves {@code next} from now on; the old device is closed unflushed (its writes are being thrown away). */
    public void switchTo(BlockDevice next) throws IOException {
        BlockDevice old;
        gate.writeLock().lock();
        try {
            if (closed) {
                next.close();
                throw new IOException("the LUN was closed");
            }
            old = current;
            current = next;
        } finally {
            gate.writeLock().unlock();
        }
        old.close();
    }

    @FunctionalInterface
    private interface Io<T> {
        T run(BlockDevice d) throws IOException;
    }

    @FunctionalInterface
    private interface VoidIo {
        void run(BlockDevice d) throws IOException;
    }

    /** Runs {@code io} on the current device, holding off a switch meanwhile. */
    private <T> T call(Io<T> io) throws IOException {
        gate.readLock().lock();
        try {
            return io.run(current);
        } finally {
            gate.readLock().unlock();
        }
    }

    private void run(VoidIo io) throws IOException {
        call(d -> {
            io.run(d);
            return null;
        });
    }

    @Override
    public int blockSize() {
        return current.blockSize();
    }

    @Override
    public long sizeBytes() {
        return current.sizeBytes();
    }

    @Override
    public boolean readOnly() {
        return current.readOnly();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        run(d -> d.read(offset, dst));
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        run(d -> d.write(offset, src, fua));
    }

    @Override
    public void flush() throws IOException {
        run(d -> d.flush());
    }

    @Override
    public boolean supportsUnmap() {
        return current.supportsUnmap();
    }

    @Override
    public void unmap(long offset, long length) throws IOException {
        run(d -> d.unmap(offset, length));
    }

    @Override
    public AllocationRun allocation(long offset, long maxLength) throws IOException {
        return call(d -> d.allocation(offset, maxLength));
    }

    @Override
    public LunIdentity identity() {
        return identity;
    }

    @Override
    public void close() throws IOException {
        gate.writeLock().lock();
        try {
            closed = true;
        } finally {
            gate.writeLock().unlock();
        }
        current.close();
    }
}
