package org.icbd.cache;

import java.io.IOException;
import java.util.BitSet;

/**
 * Tells which chunks of one volume hold exactly the bytes of the same chunks of a shared, immutable
 * space (a clone and the read-only snapshot it was made from, where the file system shares the
 * extents). All volumes that share a space key those chunks alike, so the cache reads and holds them
 * once. Asked a window of chunks at a time, so one extent lookup answers for many chunks.
 */
public interface ChunkLocator {
    /** A locator that shares nothing: every chunk is keyed by the volume itself. */
    ChunkLocator PRIVATE = new ChunkLocator() {
        @Override
        public Object sharedSpace() {
            return null;
        }

        @Override
        public ChunkSource sharedSource() {
            return null;
        }

        @Override
        public BitSet sharedChunks(long offset, int chunkSize, int count) {
            return new BitSet();
        }
    };

    /** The shared space (compared with equals), or {@code null} when this volume shares nothing. */
    Object sharedSpace();

    /**
     * Reads the shared space itself (the read-only snapshot). Shared chunks are loaded from here, never
     * from the volume: a write to the volume racing the load can then never put the volume's new bytes
     * under a key other volumes read.
     */
    ChunkSource sharedSource();

    /**
     * Which of the {@code count} chunks of {@code chunkSize} bytes from {@code offset} are shared:
     * bit {@code i} set means chunk {@code i} holds the shared space's bytes at the same offset.
     * Only ever true for a chunk the volume has not written since the answer was computed; the cache
     * makes sure of that by asking again only for chunks it has not seen written.
     */
    BitSet sharedChunks(long offset, int chunkSize, int count) throws IOException;
}
