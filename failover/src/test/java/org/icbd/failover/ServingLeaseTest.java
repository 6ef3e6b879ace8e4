package org.icbd.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The lease's contract on a clock the test moves by hand (a pause is the clock jumping). */
class ServingLeaseTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ServingLease lease = new ServingLease(Duration.ofMillis(1500), now::get);

    private void advance(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void notValidBeforeAGrant() {
        assertFalse(lease.valid());
        assertEquals(0, lease.epoch());
    }

    @Test
    void validForItsDurationFromWhenTheConfirmingRoundTripWasSent() {
        long sent = now.get();
        advance(400); // the answer took 400 ms: the lease still counts from the send
        lease.grant(7, sent);
        assertTrue(lease.valid());
        advance(1099);
        assertTrue(lease.valid());
        advance(1);
        assertFalse(lease.valid(), "1500 ms after the send, not after the answer");
    }

    @Test
    void aPauseLongerThanTheLeaseLeavesItLapsedUntilConfirmedAgain() {
        lease.grant(3, now.get());
        advance(10_000); // SIGSTOP for 10 s: the monotonic clock kept counting
        assertFalse(lease.valid());
        lease.confirm(3, now.get() - TimeUnit.SECONDS.toNanos(11)); // an answer to a read sent before the pause
        assertFalse(lease.valid(), "a confirmation older than the current one extends nothing");
        lease.confirm(3, now.get());
        assertTrue(lease.valid());
    }

    @Test
    void aConfirmationOfAnotherEpochOrAfterARevokeIsIgnored() {
        lease.grant(4, now.get());
        advance(1600);
        lease.confirm(3, now.get());
        assertFalse(lease.valid(), "an answer for an older leadership");
        lease.confirm(4, now.get());
        assertTrue(lease.valid());
        lease.revoke();
        assertFalse(lease.valid());
        lease.confirm(4, now.get() + 1);
        assertFalse(lease.valid(), "a revoked lease comes back only with a new grant");
        lease.grant(5, now.get());
        assertTrue(lease.valid());
    }

    @Test
    void awaitValidReturnsWhenConfirmedAndFalseWhenRevokedOrTimedOut() throws Exception {
        lease.grant(2, now.get());
        assertTrue(lease.awaitValid(Duration.ZERO));
        advance(2000);
        assertFalse(lease.awaitValid(Duration.ofMillis(50)), "nobody confirms: times out");
        CompletableFuture<Boolean> waiting = awaitValidElsewhere();
        Thread.sleep(50);
        lease.confirm(2, now.get());
        assertTrue(waiting.get(20, TimeUnit.SECONDS));
        advance(2000);
        CompletableFuture<Boolean> revoked = awaitValidElsewhere();
        Thread.sleep(50);
        lease.revoke();
        assertFalse(revoked.get(20, TimeUnit.SECONDS));
    }

    /** {@link ServingLease#awaitValid} (up to 20 s) on another thread. */
    private CompletableFuture<Boolean> awaitValidElsewhere() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return lease.awaitValid(Duration.ofSeconds(20));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void durationIsHalfTheSessionTimeoutAndMustBePositive() {
        assertEquals(Duration.ofMillis(1500), ServingLease.durationFor(Duration.ofSeconds(3)));
        assertThrows(IllegalArgumentException.class, () -> new ServingLease(Duration.ZERO, System::nanoTime));
        assertThrows(IllegalArgumentException.class, () -> lease.grant(0, now.get()));
    }
}
