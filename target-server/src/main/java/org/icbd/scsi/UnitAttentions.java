package org.icbd.scsi;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pending unit attention conditions of one logical unit, per I_T nexus (SAM-5 5.14).
 * The common case is "nothing pending", which costs one map lookup on an empty map.
 */
public final class UnitAttentions {

    /** SAM-5 lets a device server drop the oldest conditions; this bounds memory per nexus. */
    private static final int MAX_PENDING = 8;

    private final Map<Nexus, ArrayDeque<Sense>> pending = new ConcurrentHashMap<>();

    public void raise(Nexus nexus, Sense sense) {
        // all changes go through the map's atomic compute so an emptied queue can be dropped
        // without losing a condition raised concurrently
        pending.compute(nexus, (n, q) -> {
            if (q == null) q = new ArrayDeque<>();
            if (!q.contains(sense)) q.addLast(sense);
            while (q.size() > MAX_PENDING) q.pollFirst();
            return q;
        });
    }

    public void raiseAll(Collection<Nexus> nexuses, Sense sense) {
        for (Nexus n : nexuses) raise(n, sense);
    }

    public void raiseAllExcept(Collection<Nexus> nexuses, Nexus except, Sense sense) {
        for (Nexus n : nexuses) if (!n.equals(except)) raise(n, sense);
    }

    /** Removes and returns the oldest condition for {@code nexus}, or null. */
    public Sense poll(Nexus nexus) {
        if (pending.isEmpty()) return null; // the steady state, no lock taken
        Sense[] out = new Sense[1];
        pending.computeIfPresent(nexus, (n, q) -> {
            out[0] = q.pollFirst();
            return q.isEmpty() ? null : q;
        });
        return out[0];
    }

    /** Replaces whatever is pending with one condition (a reset supersedes older news). */
    public void replace(Nexus nexus, Sense sense) {
        var q = new ArrayDeque<Sense>();
        q.add(sense);
        pending.put(nexus, q);
    }

    /** Drops {@code sense} from what is pending for {@code nexus}, leaving the other conditions queued. */
    public void clear(Nexus nexus, Sense sense) {
        if (pending.isEmpty()) return;
        pending.computeIfPresent(nexus, (n, q) -> {
            q.remove(sense);
            return q.isEmpty() ? null : q;
        });
    }

    /** Hands every pending condition, oldest first, to {@code next} (a logical unit that now holds them) and keeps none. */
    public void handTo(UnitAttentions next) {
        for (Nexus n : pending.keySet()) {
            ArrayDeque<Sense> q = pending.remove(n);
            if (q != null) for (Sense s : q) next.raise(n, s);
        }
    }

    public void forget(Nexus nexus) {
        pending.remove(nexus);
    }
}
