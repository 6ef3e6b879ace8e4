package org.icbd.cache;

import java.io.IOException;

/**
 * Names the chunks of one volume. A volume whose chunk holds exactly the bytes of a chunk of
 * another volume (a clone and the snapshot it was made from, where the file system shares the
 * extent) gives both the same key, so the cache holds and reads those bytes once.
 *
 * <p>Called only for chunks the volume has not written since it was opened; {@link CachedVolume}
 * keys written chunks by the volume's own space.
 */
@FunctionalInterface
public interface ChunkLocator {

    /**
     * The shared key of the chunk at {@code offset} ({@code length} bytes), or {@code null} when it
     * is not known to be shared, and the volume's own key should be used.
     */
    ChunkKey sharedKey(long offset, int length) throws IOException;

    /** A locator that shares nothing: every chunk is keyed by the volume itself. */
    ChunkLocator PRIVATE = (offset, length) -> null;
}
