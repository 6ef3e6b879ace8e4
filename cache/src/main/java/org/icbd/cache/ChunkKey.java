package org.icbd.cache;

import java.util.Objects;

/**
 * Where a chunk's bytes live. {@code space} names an address space whose contents at {@code offset}
 * never change while the key is in use: an immutable extent space (the physical blocks of a
 * read-only snapshot) shared by every volume that maps to it, or one volume's own file offsets,
 * which only that volume's writes change (and they invalidate the key).
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
