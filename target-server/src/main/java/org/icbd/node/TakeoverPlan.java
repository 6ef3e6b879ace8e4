package org.icbd.node;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a new leader does with each writable clone, decided from what it finds when elected and before
 * it changes anything: serve its own copy, or promote the newest complete checkpoint it received
 * (replaying the write log kept after it, and keeping its own copy aside), and whether the clone's
 * target is held (logins refused) until an administrator releases it.
 */
record TakeoverPlan(List<Step> steps) {

    /** A checkpoint of the clone found in this node's replica area; complete once btrfs receive finished it. */
    record Checkpoint(String name, long epoch, long seq, boolean complete) {
    }

    /**
     * What this node knows of one clone.
     *
     * @param ownCopy         this node has the clone's subvolume
     * @param lastServed      the epoch this node last served the clone in (0: never)
     * @param failedAttempt   its copy was promoted by an earlier attempt to lead that never served it
     * @param received        the checkpoints in its replica area
     * @param logStarts       the checkpoints its write log has a segment starting at
     * @param handedOver      the checkpoint the last leader recorded as its final one in a clean hand-over
     */
    record Facts(String volume, String target, boolean sync, boolean ownCopy, long lastServed, boolean failedAttempt,
                 List<Checkpoint> received, Set<String> logStarts, Optional<String> handedOver) {
    }

    /**
     * @param checkpoint the checkpoint to promote; empty: serve this node's own copy
     * @param replay     replay the write log from the checkpoint on
     * @param keepAside  keep this node's own copy in {@code diverged/} (it may hold writes nobody else has)
     * @param hold       refuse logins to the target until released
     * @param why        the reason, for the log
     */
    record Step(String volume, String target, Optional<String> checkpoint, boolean replay, boolean keepAside, boolean hold,
                String why) {
    }

    private static final Comparator<Checkpoint> NEWEST_LAST =
            Comparator.comparingLong(Checkpoint::epoch).thenComparingLong(Checkpoint::seq);

    /**
     * @param forced an administrator made this node lead although it was not in sync ('icbd cluster promote')
     */
    static TakeoverPlan decide(List<Facts> clones, boolean forced) {
        return new TakeoverPlan(clones.stream().map(c -> decide(c, forced)).toList());
    }

    private static Step decide(Facts c, boolean forced) {
        // INVARIANT: only a complete checkpoint is promoted, and the log replayed onto it starts at that
        // very checkpoint. A checkpoint is complete once btrfs receive finished it (the receiver renames it
        // to its checkpoint name only then, read-only and with the uuid the sender announced), and the
        // standby's log keeps every segment from the newest complete checkpoint on (LogStore.trim). So the
        // newest complete checkpoint plus the log after it holds every write the old leader acknowledged:
        // a newer checkpoint whose receive was cut short holds nothing the log does not.
        Optional<Checkpoint> newest = c.received().stream().filter(Checkpoint::complete).max(NEWEST_LAST);
        boolean unsafeOwn = forced && c.sync();
        if (newest.isEmpty() || (c.ownCopy() && newest.get().epoch() <= c.lastServed())) {
            String why = newest.isEmpty() ? "no complete checkpoint received" : "its own copy is newer than any checkpoint";
            return new Step(c.volume(), c.target(), Optional.empty(), false, false, unsafeOwn,
                    unsafeOwn ? why + "; not in sync, so it may lack acknowledged writes" : why);
        }
        Checkpoint from = newest.get();
        boolean replay = c.logStarts().contains(from.name());
        boolean handedOver = c.handedOver().equals(Optional.of(from.name()));
        boolean nothingMissing = handedOver || (c.sync() && !forced && replay);
        String why;
        if (handedOver) {
            why = "the final checkpoint of a clean hand-over (no write follows it)";
        } else if (nothingMissing) {
            why = "in sync: the checkpoint plus the write log after it";
        } else if (!c.sync()) {
            why = "asynchronous replication: writes after the checkpoint are not here";
        } else if (forced) {
            why = "not in sync (promoted by an administrator): writes after the checkpoint may be missing";
        } else {
            why = "no write log from that checkpoint on here: writes after it may be missing";
        }
        return new Step(c.volume(), c.target(), Optional.of(from.name()), replay, c.ownCopy() && !c.failedAttempt(),
                !nothingMissing || unsafeOwn, why);
    }
}
