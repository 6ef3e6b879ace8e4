package org.icbd.failover;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The right of this node to answer clients, held as a lease on the monotonic clock.
 *
 * <p>Contract: the lease is valid at time {@code now} iff it was granted for an epoch, not revoked since,
 * and {@code now < confirmedAt + duration}, where {@code confirmedAt} is the time the last round trip that
 * ZooKeeper answered on this node's session was <em>sent</em>. ZooKeeper heard from the session after
 * that instant, so it cannot expire the session (and let another node lead) before
 * {@code confirmedAt + sessionTimeout} on its own clock; with {@code duration} well under the session
 * timeout, this node falls silent before that, even after a pause of any length (a frozen JVM finds its
 * lease lapsed when it runs again, because {@link System#nanoTime} kept counting).
 *
 * <p>A lapsed lease is valid again only after a new confirmation of the same epoch; {@link #revoke}
 * ends it for good (a new leadership takes a new epoch and a new grant).
 */
public final class ServingLease {

    private final LongSupplier clock;
    private final long durationNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition confirmed = lock.newCondition();
    /** 0 while not granted (or revoked). Written under lock, read freely. */
    private volatile long epoch;
    private volatile long confirmedAt;

    /** @param clock a monotonic clock in nanoseconds ({@link System#nanoTime} outside tests) */
    public ServingLease(Duration duration, LongSupplier clock) {
        if (duration.isNegative() || duration.isZero()) throw new IllegalArgumentException("lease duration must be positive: " + duration);
        this.durationNanos = duration.toNanos();
        this.clock = clock;
    }

    /** The lease a node holds for a session of {@code sessionTimeout}: half of it, leaving the other half as margin. */
    public static Duration durationFor(Duration sessionTimeout) {
        return sessionTimeout.dividedBy(2);
    }

    public Duration duration() {
        return Duration.ofNanos(durationNanos);
    }

    /** Starts a lease for {@code epoch}, confirmed by a round trip sent at {@code sentAt}. */
    public void grant(long epoch, long sentAt) {
        if (epoch <= 0) throw new IllegalArgumentException("epoch must be positive: " + epoch);
        lock.lock();
        try {
            this.confirmedAt = sentAt;
            this.epoch = epoch;
            confirmed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * ZooKeeper answered a round trip sent at {@code sentAt} on the session that leads in {@code epoch}.
     * Ignored when the lease was revoked or granted for another epoch (a late answer of an old leadership).
     */
    public void confirm(long epoch, long sentAt) {
        lock.lock();
        try {
            if (this.epoch != epoch || sentAt - confirmedAt <= 0) return;
            confirmedAt = sentAt;
            confirmed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Ends the lease: nothing is answered until a new grant. */
    public void revoke() {
        lock.lock();
        try {
            epoch = 0;
            confirmed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The epoch the lease was granted for, or 0 when there is none. */
    public long epoch() {
        return epoch;
    }

    public boolean valid() {
        return remainingNanos() > 0;
    }

    /** Nanoseconds the lease still runs (0 or less when it lapsed or there is none). */
    public long remainingNanos() {
        long e = epoch;
        long at = confirmedAt;
        if (e == 0) return 0;
        return at + durationNanos - clock.getAsLong();
    }

    /**
     * Returns true at once while the lease is valid; otherwise waits at most {@code max} for a
     * confirmation and says whether the lease is valid then. False after a revoke.
     */
    public boolean awaitValid(Duration max) throws InterruptedException {
        if (valid()) return true;
        long left = max.toNanos();
        lock.lock();
        try {
            while (!valid()) {
                if (epoch == 0 || left <= 0) return false;
                left = confirmed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** When the lease would lapse without a further confirmation, on the lease's clock (for the keeper to wake up). */
    long expiresAt() {
        return confirmedAt + durationNanos;
    }
}
