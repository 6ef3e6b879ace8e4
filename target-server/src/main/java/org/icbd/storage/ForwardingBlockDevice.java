package org.icbd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A device that passes every call to another; subclasses override what they add to (a cache, a write
 * gate). Forwarding everything here means a decorator never silently drops a capability of the
 * device under it (GET LBA STATUS answers, UNMAP support).
 */
public abstract class ForwardingBlockDevice implements BlockDevice {

    protected final BlockDevice inner;

    protected ForwardingBlockDevice(BlockDevice inner) {
        this.inner = inner;
    }

    @Override
    public int blockSize() {
        return inner.blockSize();
    }

    @Override
    public long sizeBytes() {
        return inner.sizeBytes();
    }

    @Override
    public boolean readOnly() {
        return inner.readOnly();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        inner.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        inner.write(offset, src, fua);
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
    }

    @Override
    public boolean supportsUnmap() {
        return inner.supportsUnmap();
    }

    @Override
    public void unmap(long offset, long length) throws IOException {
        inner.unmap(offset, length);
    }

    @Override
    public AllocationRun allocation(long offset, long maxLength) throws IOException {
        return inner.allocation(offset, maxLength);
    }

    @Override
    public LunIdentity identity() {
        return inner.identity();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
