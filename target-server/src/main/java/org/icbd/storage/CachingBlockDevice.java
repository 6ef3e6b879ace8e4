package org.icbd.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.icbd.cache.BlockCache;
import org.icbd.cache.CachedVolume;
import org.icbd.cache.ChunkLocator;

/**
 * A device read through the node's {@link BlockCache}. Writes and deallocations go to the device
 * underneath through the cache's write path, so the next read of those bytes never comes from
 * before them; everything else is the device's own.
 */
public final class CachingBlockDevice extends ForwardingBlockDevice {

    private final CachedVolume cached;
    private final Closeable locator;

    public CachingBlockDevice(BlockDevice inner, BlockCache cache, ChunkLocator locator) {
        super(inner);
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
    public void close() throws IOException {
        try {
            inner.close();
        } finally {
            locator.close();
        }
    }
}
