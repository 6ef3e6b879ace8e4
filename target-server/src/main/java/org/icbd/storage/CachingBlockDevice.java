package org.icbd.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.icbd.cache.BlockCache;
import org.icbd.cache.CachedVolume;
import org.icbd.cache.ChunkLocator;

/**
 * A device read through the node's {@link BlockCache}. Writes, UNMAP and everything else go to the
 * device underneath; writes and deallocations pass through the cache's write gate so the next read
 * of those bytes never comes from before them.
 */
public final class CachingBlockDevice implements BlockDevice {

    private final BlockDevice inner;
    private final CachedVolume cached;
    private final Closeable locator;

    public CachingBlockDevice(BlockDevice inner, BlockCache cache, ChunkLocator locator) {
        this.inner = inner;
        this.cached = new CachedVolume(cache, locator, inner::read, inner.sizeBytes());
        this.locator = locator instanceof Closeable c ? c : () -> { };
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        if (offset < 0 || offset + dst.remaining() > inner.sizeBytes()) {
            inner.read(offset, dst); // the device reports the range error in its own words
            return;
        }
        cached.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        cached.write(offset, src.remaining(), () -> inner.write(offset, src, fua));
    }

    @Override
    public void unmap(long offset, long length) throws IOException {
        cached.write(offset, length, () -> inner.unmap(offset, length));
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
    public void flush() throws IOException {
        inner.flush();
    }

    @Override
    public boolean supportsUnmap() {
        return inner.supportsUnmap();
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
        try {
            inner.close();
        } finally {
            locator.close();
        }
    }
}
