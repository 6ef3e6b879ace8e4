package org.icbd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which clones a new leader serves, promotes and replays, or holds: every case of the decision. */
class TakeoverPlanTest {

    private static final String IQN = "iqn.2026-11.org.example:ws01";
    private static final TakeoverPlan.Checkpoint C_2_7 = new TakeoverPlan.Checkpoint("ws01.2.7", 2, 7, true);
    private static final TakeoverPlan.Checkpoint C_2_8 = new TakeoverPlan.Checkpoint("ws01.2.8", 2, 8, true);
    private static final TakeoverPlan.Checkpoint C_2_9_CUT = new TakeoverPlan.Checkpoint("ws01.2.9", 2, 9, false);

    /** A standby that served the clone in epoch 1 and then followed the leader of epoch 2. */
    private static TakeoverPlan.Facts facts(boolean sync, List<TakeoverPlan.Checkpoint> received, Set<String> logStarts,
                                            Optional<String> handedOver) {
        return new TakeoverPlan.Facts("ws01", IQN, sync, true, 1, false, received, logStarts, handedOver);
    }

    private static TakeoverPlan.Step step(TakeoverPlan.Facts f, boolean forced) {
        TakeoverPlan plan = TakeoverPlan.decide(List.of(f), forced);
        assertEquals(1, plan.steps().size());
        return plan.steps().get(0);
    }

    @Test
    void inSyncPromotesTheNewestCheckpointReplaysTheLogAndServes() {
        var s = step(facts(true, List.of(C_2_7, C_2_8), Set.of("ws01.2.7", "ws01.2.8"), Optional.empty()), false);
        assertEquals(Optional.of("ws01.2.8"), s.checkpoint());
        assertTrue(s.replay());
        assertTrue(s.keepAside(), "its own copy (served in epoch 1) is kept in diverged/");
        assertFalse(s.hold());
    }

    /** The critical case: the newest checkpoint's receive was cut short; the previous complete one and the log after it hold everything. */
    @Test
    void aCheckpointWhoseReceiveWasCutShortIsNeverPromoted() {
        var s = step(facts(true, List.of(C_2_7, C_2_8, C_2_9_CUT), Set.of("ws01.2.8", "ws01.2.9"), Optional.empty()), false);
        assertEquals(Optional.of("ws01.2.8"), s.checkpoint(), "the newest complete one");
        assertTrue(s.replay(), "the log from 2.8 on: its segments for 2.8 and 2.9");
        assertFalse(s.hold());
        var none = step(facts(true, List.of(C_2_9_CUT), Set.of("ws01.2.9"), Optional.empty()), false);
        assertEquals(Optional.empty(), none.checkpoint(), "only an incomplete one: nothing is promoted");
    }

    @Test
    void inSyncButNoLogFromThatCheckpointHolds() {
        var s = step(facts(true, List.of(C_2_8), Set.of("ws01.2.7"), Optional.empty()), false);
        assertEquals(Optional.of("ws01.2.8"), s.checkpoint());
        assertFalse(s.replay());
        assertTrue(s.hold(), "writes after 2.8 may be missing");
    }

    @Test
    void anAsynchronousCloneIsPromotedAndHeld() {
        var s = step(facts(false, List.of(C_2_8), Set.of(), Optional.empty()), false);
        assertEquals(Optional.of("ws01.2.8"), s.checkpoint());
        assertTrue(s.hold());
        assertTrue(s.why().contains("asynchronous"), s.why());
    }

    @Test
    void aCleanHandOverIsServedAtOnceInEitherMode() {
        for (boolean sync : new boolean[] {true, false}) {
            var s = step(facts(sync, List.of(C_2_7, C_2_8), Set.of(), Optional.of("ws01.2.8")), false);
            assertEquals(Optional.of("ws01.2.8"), s.checkpoint());
            assertFalse(s.hold(), "the final checkpoint of a hand-over: no write follows it (sync " + sync + ")");
        }
        var stale = step(facts(false, List.of(C_2_8), Set.of(), Optional.of("ws01.2.7")), false);
        assertTrue(stale.hold(), "a hand-over record of an older checkpoint says nothing of this one");
    }

    @Test
    void aNodePromotedOutOfSyncHoldsItsSyncClonesWhateverItServes() {
        var promoted = step(facts(true, List.of(C_2_8), Set.of("ws01.2.8"), Optional.empty()), true);
        assertEquals(Optional.of("ws01.2.8"), promoted.checkpoint());
        assertTrue(promoted.replay(), "what its log has is still applied");
        assertTrue(promoted.hold());
        var own = step(new TakeoverPlan.Facts("ws01", IQN, true, true, 3, false, List.of(C_2_8), Set.of(), Optional.empty()), true);
        assertEquals(Optional.empty(), own.checkpoint(), "its own copy (epoch 3) is newer");
        assertTrue(own.hold(), "but it may lack acknowledged writes");
        var async = step(new TakeoverPlan.Facts("ws01", IQN, false, true, 3, false, List.of(), Set.of(), Optional.empty()), true);
        assertFalse(async.hold(), "an async clone it served last is its own");
    }

    @Test
    void itsOwnNewerCopyIsServed() {
        var s = step(new TakeoverPlan.Facts("ws01", IQN, true, true, 2, false, List.of(C_2_8), Set.of("ws01.2.8"), Optional.empty()), false);
        assertEquals(Optional.empty(), s.checkpoint(), "served in epoch 2 itself: its copy is at least as new");
        assertFalse(s.hold());
    }

    @Test
    void aCopyLeftByAFailedAttemptIsReplacedNotKeptAside() {
        var s = step(new TakeoverPlan.Facts("ws01", IQN, true, true, 1, true, List.of(C_2_8), Set.of("ws01.2.8"), Optional.empty()), false);
        assertEquals(Optional.of("ws01.2.8"), s.checkpoint());
        assertFalse(s.keepAside(), "nothing of it is this node's own");
        var fresh = step(new TakeoverPlan.Facts("ws01", IQN, true, false, 0, false, List.of(C_2_8), Set.of("ws01.2.8"), Optional.empty()), false);
        assertFalse(fresh.keepAside(), "no copy of its own");
        assertFalse(fresh.hold());
    }
}
