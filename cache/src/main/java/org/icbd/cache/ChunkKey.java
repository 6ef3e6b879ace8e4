package org.icbd.cache;

import java.util.Objects;

/**
 * Where a chunk's bytes live: {@code space} names an address space whose contents never change (the
 * read-only snapshot that clones share extents with), so a key's bytes are valid as long as the key
 * exists, for every volume that maps to it.
 */
public record ChunkKey(Object space, long offset) {

    public ChunkKey {
        Objects.requireNonNull(space, "space");
        if (offset < 0) throw new IllegalArgumentException("negative offset " + offset);
    }

    /**
     * Offsets are multiples of the chunk size, so their low bits are all zero; mixed with a
     * multiplicative hash, sixteen neighbouring chunks no longer land in one hash bucket.
     */
    @Override
    public int hashCode() {
        return 31 * space.hashCode() + Long.hashCode(offset * 0x9E3779B97F4A7C15L);
    }
}
