package org.icbd.iscsi;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The bytes of command data the node holds at once (write data gathered, read data on its way out),
 * shared by every session, and each session's bounded part of it: one session that opens writes it
 * never sends data for, or reads it never takes, can hold its share and no more, so the others go on.
 */
final class BufferBudget {

    private final Semaphore free;
    private final int capacity;
    private final int sessionShare;

    BufferBudget(int capacity, int sessionShare) {
        this.capacity = capacity;
        this.sessionShare = Math.min(capacity, sessionShare);
        this.free = new Semaphore(capacity);
    }

    /**
     * A quarter of the heap, at most 1 GiB, at least two maximal commands; a session may hold a
     * quarter of that, and always at least two maximal commands.
     */
    static BufferBudget forHeap(int maxCommandBytes) {
        long quarterHeap = Runtime.getRuntime().maxMemory() / 4;
        int capacity = (int) Math.max(2L * maxCommandBytes, Math.min(quarterHeap, 1L << 30));
        return new BufferBudget(capacity, Math.max(capacity / 4, (int) Math.min(capacity, 2L * maxCommandBytes)));
    }

    int capacity() {
        return capacity;
    }

    int available() {
        return free.availablePermits();
    }

    int sessionShare() {
        return sessionShare;
    }

    Share newShare() {
        return new Share();
    }

    /** One session's part of the budget. */
    final class Share {
        private final Semaphore mine = new Semaphore(sessionShare);

        /** Takes {@code bytes} now or not at all (a write that does not fit gets TASK SET FULL). */
        boolean tryTake(int bytes) {
            if (!mine.tryAcquire(bytes)) return false;
            if (free.tryAcquire(bytes)) return true;
            mine.release(bytes);
            return false;
        }

        /** Waits up to {@code wait} for {@code bytes} (a read waits for earlier reads to leave). */
        boolean take(int bytes, Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            if (!mine.tryAcquire(bytes, wait.toNanos(), TimeUnit.NANOSECONDS)) return false;
            if (free.tryAcquire(bytes, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) return true;
            mine.release(bytes);
            return false;
        }

        void give(int bytes) {
            if (bytes <= 0) return;
            free.release(bytes);
            mine.release(bytes);
        }

        int held() {
            return sessionShare - mine.availablePermits();
        }
    }
}
