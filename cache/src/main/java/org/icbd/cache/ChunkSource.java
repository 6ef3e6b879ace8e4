package org.icbd.cache;

import java.io.IOException;
import java.nio.ByteBuffer;

/** The disk under a cached volume: reads exactly {@code dst.remaining()} bytes at {@code offset}. */
@FunctionalInterface
public interface ChunkSource {
    void read(long offset, ByteBuffer dst) throws IOException;
}
