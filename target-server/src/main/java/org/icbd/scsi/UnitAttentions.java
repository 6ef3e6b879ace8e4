package org.icbd.scsi;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Pending unit attention conditions of one logical unit, per I_T nexus (SAM-5 5.14).
 * The common case is "nothing pending", which costs one map lookup on an empty map.
 */
public final class UnitAttentions {

    /** SAM-5 lets a device server drop the oldest conditions; this bounds memory per nexus. */
    private static final int MAX_PENDING = 8;

    private final Map<Nexus, ConcurrentLinkedDeque<Sense>> pending = new ConcurrentHashMap<>();

    public void raise(Nexus nexus, Sense sense) {
        var q = pending.computeIfAbsent(nexus, n -> new ConcurrentLinkedDeque<>());
        if (q.contains(sense)) return;
        q.addLast(sense);
        while (q.size() > MAX_PENDING) q.pollFirst();
    }

    public void raiseAll(Collection<Nexus> nexuses, Sense sense) {
        for (Nexus n : nexuses) raise(n, sense);
    }

    public void raiseAllExcept(Collection<Nexus> nexuses, Nexus except, Sense sense) {
        for (Nexus n : nexuses) if (!n.equals(except)) raise(n, sense);
    }

    /** Removes and returns the oldest condition for {@code nexus}, or null. */
    public Sense poll(Nexus nexus) {
        if (pending.isEmpty()) return null;
        var q = pending.get(nexus);
        return q == null ? null : q.pollFirst();
    }

    public Sense peek(Nexus nexus) {
        if (pending.isEmpty()) return null;
        var q = pending.get(nexus);
        return q == null ? null : q.peekFirst();
    }

    /** Replaces whatever is pending with one condition (a reset supersedes older news). */
    public void replace(Nexus nexus, Sense sense) {
        var q = new ConcurrentLinkedDeque<Sense>();
        q.add(sense);
        pending.put(nexus, q);
    }

    public void forget(Nexus nexus) {
        pending.remove(nexus);
    }
}
