package org.icbd.scsi;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Makes COMPARE AND WRITE atomic against every other writer of the same blocks without a
 * LUN-wide lock: the LBA space is cut into regions hashed onto a fixed set of stripes. Plain
 * writes take the stripes of their range shared (so they never wait for each other), an atomic
 * read-modify-write takes them exclusive. Stripes are always taken in ascending index order,
 * so two commands can never wait for each other in a cycle.
 */
public final class RangeLock {

    private static final int STRIPES = 64;
    /** 2048 blocks of 512 bytes = 1 MiB per region. */
    private static final int REGION_SHIFT = 11;

    private final ReentrantReadWriteLock[] stripes = new ReentrantReadWriteLock[STRIPES];

    public RangeLock() {
        for (int i = 0; i < STRIPES; i++) stripes[i] = new ReentrantReadWriteLock();
    }

    /** A held lock; close it to release. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    public Held shared(long lba, long blocks) {
        return acquire(lba, blocks, false);
    }

    public Held exclusive(long lba, long blocks) {
        return acquire(lba, blocks, true);
    }

    private Held acquire(long lba, long blocks, boolean exclusive) {
        long mask = stripeMask(lba, blocks);
        for (int i = 0; i < STRIPES; i++) {
            if ((mask & (1L << i)) != 0) {
                if (exclusive) stripes[i].writeLock().lock();
                else stripes[i].readLock().lock();
            }
        }
        return () -> {
            for (int i = STRIPES - 1; i >= 0; i--) {
                if ((mask & (1L << i)) != 0) {
                    if (exclusive) stripes[i].writeLock().unlock();
                    else stripes[i].readLock().unlock();
                }
            }
        };
    }

    static long stripeMask(long lba, long blocks) {
        long first = lba >>> REGION_SHIFT;
        long last = (lba + Math.max(blocks, 1) - 1) >>> REGION_SHIFT;
        if (last - first + 1 >= STRIPES) return -1L;
        long mask = 0;
        for (long r = first; r <= last; r++) mask |= 1L << (r % STRIPES);
        return mask;
    }
}
