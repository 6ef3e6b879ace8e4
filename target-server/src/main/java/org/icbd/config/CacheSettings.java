package org.icbd.config;

import java.util.Optional;

/**
 * The node's read cache.
 *
 * @param enabled   off turns caching off for every LUN (for benchmarks, or to leave all memory to the page cache)
 * @param maxBytes  bound on the memory the cached data holds
 * @param chunkSize unit of caching and of disk reads
 */
public record CacheSettings(boolean enabled, long maxBytes, int chunkSize) {

    /** One 4 KiB block: a scattered 4 KiB read loads 4 KiB, and misses of one request load as one read. */
    public static final int DEFAULT_CHUNK = 4 << 10;

    /** A quarter of the heap: the rest serves sessions, buffers and the JVM itself. */
    public static CacheSettings defaults() {
        return new CacheSettings(true, Math.max(64L << 20, Runtime.getRuntime().maxMemory() / 4), DEFAULT_CHUNK);
    }

    /** Why a cache of {@code sizeMib} cannot work in this JVM, if it cannot; the cache lives on the heap. */
    public static Optional<String> sizeProblem(long sizeMib) {
        long heapMib = Runtime.getRuntime().maxMemory() >> 20;
        if (sizeMib < 16) return Optional.of("must be at least 16 (MiB); got " + sizeMib);
        if (sizeMib <= heapMib * 3 / 4) return Optional.empty();
        return Optional.of(sizeMib + " MiB leaves too little of the " + heapMib + " MiB heap for sessions;"
                + " use at most " + heapMib * 3 / 4 + " or give the JVM more (ICBD_JAVA_OPTS=-Xmx...)");
    }

    public static CacheSettings off() {
        return new CacheSettings(false, 0, DEFAULT_CHUNK);
    }
}
