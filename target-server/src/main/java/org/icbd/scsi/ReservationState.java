package org.icbd.scsi;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * All reservation state of one logical unit: SPC-4 persistent reservations and SPC-2
 * RESERVE/RELEASE. Changes are serialized (they are rare); the per-command access check reads
 * one volatile immutable view and takes no lock, so the I/O path never contends here.
 */
public final class ReservationState {

    public static final int WRITE_EXCLUSIVE = 1;
    public static final int EXCLUSIVE_ACCESS = 3;
    public static final int WRITE_EXCLUSIVE_REGISTRANTS_ONLY = 5;
    public static final int EXCLUSIVE_ACCESS_REGISTRANTS_ONLY = 6;
    public static final int WRITE_EXCLUSIVE_ALL_REGISTRANTS = 7;
    public static final int EXCLUSIVE_ACCESS_ALL_REGISTRANTS = 8;

    /** How a command touches the medium, which decides whether a reservation blocks it. */
    public enum Access {
        /** INQUIRY, REPORT LUNS, REQUEST SENSE, PRIN/PROUT...: never blocked by a PR. */
        ALWAYS,
        /** Like ALWAYS for persistent reservations, but blocked by another nexus' RESERVE(6). */
        ALLOWED_UNDER_PR,
        READ,
        WRITE,
        /** RESERVE/RELEASE(6/10): handled by the command itself. */
        SPC2
    }

    private record View(long generation, Map<Nexus, Long> registrations, Nexus holder, int type, Nexus spc2Holder) {
        static final View EMPTY = new View(0, Map.of(), null, 0, null);

        boolean quiet() {
            return type == 0 && spc2Holder == null;
        }
    }

    private volatile View view = View.EMPTY;
    private final UnitAttentions unitAttentions;
    /** Guarded by this: where persistent changes are saved, or null (this process only). */
    private Durability durability;
    /** Guarded by this: the unit attentions of the change {@link #apply} is running, or null outside it. */
    private List<Runnable> deferred;

    /** Saves the persistent part of a changed state; throws when it cannot. */
    @FunctionalInterface
    public interface Durability {
        void save(ReservationSnapshot persistent) throws IOException;
    }

    public ReservationState(UnitAttentions unitAttentions) {
        this.unitAttentions = unitAttentions;
    }

    // ---------------------------------------------------------------- access check (hot path)

    /** True when {@code nexus} may run a command of class {@code access} now. */
    public boolean permits(Nexus nexus, Access access) {
        View v = view;
        if (v.quiet() || access == Access.ALWAYS) return true;
        if (v.spc2Holder != null) {
            return v.spc2Holder.equals(nexus) || access == Access.SPC2;
        }
        // RESERVE/RELEASE under a persistent reservation are decided by reserve()/release()
        if (access == Access.ALLOWED_UNDER_PR || access == Access.SPC2) return true;
        if (holds(v, nexus)) return true;
        boolean writeExclusive = v.type == WRITE_EXCLUSIVE || v.type == WRITE_EXCLUSIVE_REGISTRANTS_ONLY
                || v.type == WRITE_EXCLUSIVE_ALL_REGISTRANTS;
        return writeExclusive && access == Access.READ;
    }

    /** Whether the nexus has the access a reservation grants (holder, or registrant for RO/AR types). */
    private static boolean holds(View v, Nexus nexus) {
        if (v.type == 0) return false;
        if (registrantsHold(v.type)) return v.registrations.containsKey(nexus);
        return nexus.equals(v.holder);
    }

    private static boolean registrantsHold(int type) {
        return type == WRITE_EXCLUSIVE_REGISTRANTS_ONLY || type == EXCLUSIVE_ACCESS_REGISTRANTS_ONLY
                || allRegistrants(type);
    }

    static boolean allRegistrants(int type) {
        return type == WRITE_EXCLUSIVE_ALL_REGISTRANTS || type == EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
    }

    static boolean validType(int type) {
        return type == 1 || type == 3 || (type >= 5 && type <= 8);
    }

    // ---------------------------------------------------------------- SPC-2 RESERVE / RELEASE

    /**
     * RESERVE(6/10); false means RESERVATION CONFLICT. While a persistent reservation exists we
     * follow SPC-4 5.13.3 with CRH=1: its holder gets GOOD without effect, anyone else a conflict.
     */
    public synchronized boolean reserve(Nexus nexus) {
        View v = view;
        if (v.type != 0) return holds(v, nexus);
        if (v.spc2Holder != null && !v.spc2Holder.equals(nexus)) return false;
        view = new View(v.generation, v.registrations, v.holder, v.type, nexus);
        return true;
    }

    /** RELEASE(6/10); false means RESERVATION CONFLICT. Releasing someone else's reservation is a no-op. */
    public synchronized boolean release(Nexus nexus) {
        View v = view;
        if (v.type != 0) return holds(v, nexus);
        if (nexus.equals(v.spc2Holder)) view = new View(v.generation, v.registrations, v.holder, v.type, null);
        return true;
    }

    // ---------------------------------------------------------------- PERSISTENT RESERVE IN

    public ReservationSnapshot snapshot() {
        View v = view;
        List<ReservationSnapshot.Registration> regs = new ArrayList<>();
        v.registrations.forEach((n, k) -> regs.add(new ReservationSnapshot.Registration(n, k)));
        return new ReservationSnapshot(v.generation, regs, v.holder, v.type, v.spc2Holder);
    }

    /** Restores exported state (a standby taking over); raises no unit attentions. */
    public synchronized void restore(ReservationSnapshot s) {
        Map<Nexus, Long> regs = new LinkedHashMap<>();
        for (var r : s.registrations()) regs.put(r.nexus(), r.key());
        view = new View(s.generation(), Collections.unmodifiableMap(regs), s.holder(), s.type(), s.spc2Holder());
    }

    /** From now on, every change of the persistent part is saved with {@code durability} before it counts. */
    public synchronized void persistWith(Durability durability) {
        this.durability = durability;
    }

    /**
     * Runs one PERSISTENT RESERVE OUT change. With a {@link #persistWith durability}, a change of the
     * persistent state is saved before it counts and before the unit attentions it raises reach
     * anyone; when saving fails it is undone (nobody hears of it) and the failure thrown, so what the
     * initiator is told matches what survives a failover.
     */
    public synchronized Outcome apply(Supplier<Outcome> change) throws IOException {
        ReservationSnapshot before = snapshot();
        deferred = new ArrayList<>();
        try {
            Outcome o = change.get();
            if (o == Outcome.GOOD && durability != null) {
                ReservationSnapshot now = withoutSpc2(snapshot());
                if (!now.equals(withoutSpc2(before))) {
                    try {
                        durability.save(now);
                    } catch (IOException | RuntimeException e) {
                        restore(before);
                        throw e instanceof IOException io ? io : new IOException(e);
                    }
                }
            }
            deferred.forEach(Runnable::run);
            return o;
        } finally {
            deferred = null;
        }
    }

    /** Raises unit attentions now, or, during {@link #apply}, once the change is saved. */
    private void raise(Runnable attention) {
        if (deferred != null) deferred.add(attention);
        else attention.run();
    }

    /** SPC-2 reservations end with the I_T nexus, so with every failover: they are never saved. */
    private static ReservationSnapshot withoutSpc2(ReservationSnapshot s) {
        return new ReservationSnapshot(s.generation(), s.registrations(), s.holder(), s.type(), null);
    }

    /** Whether {@code nexus} is a reservation holder in the READ FULL STATUS sense. */
    public static boolean isHolder(ReservationSnapshot s, Nexus nexus) {
        if (s.type() == 0) return false;
        if (allRegistrants(s.type())) return s.registrations().stream().anyMatch(r -> r.nexus().equals(nexus));
        return nexus.equals(s.holder());
    }

    // ---------------------------------------------------------------- PERSISTENT RESERVE OUT

    /** The outcome of a PROUT service action. */
    public enum Outcome { GOOD, CONFLICT, INVALID_RELEASE, INVALID_PARAMETER, INVALID_TYPE }

    /** REGISTER (ignoreExisting=false) or REGISTER AND IGNORE EXISTING KEY. */
    public synchronized Outcome register(Nexus nexus, long reservationKey, long serviceActionKey, boolean ignoreExisting) {
        View v = view;
        Long current = v.registrations.get(nexus);
        if (current == null) {
            if (!ignoreExisting && reservationKey != 0) return Outcome.CONFLICT;
            if (serviceActionKey == 0) return Outcome.GOOD;
            var regs = new LinkedHashMap<>(v.registrations);
            regs.put(nexus, serviceActionKey);
            view = new View(v.generation + 1, freeze(regs), v.holder, v.type, v.spc2Holder);
            return Outcome.GOOD;
        }
        if (!ignoreExisting && current != reservationKey) return Outcome.CONFLICT;
        var regs = new LinkedHashMap<>(v.registrations);
        if (serviceActionKey != 0) {
            regs.put(nexus, serviceActionKey);
            view = new View(v.generation + 1, freeze(regs), v.holder, v.type, v.spc2Holder);
            return Outcome.GOOD;
        }
        regs.remove(nexus);
        unregistered(v, nexus, regs, v.generation + 1);
        return Outcome.GOOD;
    }

    /** Applies the loss of one registration, including what it does to the reservation (SPC-4 5.12.11.2.3). */
    private void unregistered(View v, Nexus nexus, LinkedHashMap<Nexus, Long> regs, long generation) {
        Nexus holder = v.holder;
        int type = v.type;
        if (type != 0) {
            boolean releases = allRegistrants(type) ? regs.isEmpty() : nexus.equals(holder);
            if (releases) {
                if (type == WRITE_EXCLUSIVE_REGISTRANTS_ONLY || type == EXCLUSIVE_ACCESS_REGISTRANTS_ONLY) {
                    Set<Nexus> left = Set.copyOf(regs.keySet());
                    raise(() -> unitAttentions.raiseAll(left, Sense.RESERVATIONS_RELEASED));
                }
                holder = null;
                type = 0;
            }
        }
        view = new View(generation, freeze(regs), holder, type, v.spc2Holder);
    }

    public synchronized Outcome reserve(Nexus nexus, long key, int type) {
        View v = view;
        Long current = v.registrations.get(nexus);
        if (current == null || current != key) return Outcome.CONFLICT;
        if (!validType(type)) return Outcome.INVALID_TYPE;
        if (v.type == 0) {
            view = new View(v.generation, v.registrations, allRegistrants(type) ? null : nexus, type, v.spc2Holder);
            return Outcome.GOOD;
        }
        return holds(v, nexus) && v.type == type && (allRegistrants(type) || nexus.equals(v.holder))
                ? Outcome.GOOD : Outcome.CONFLICT;
    }

    public synchronized Outcome releasePersistent(Nexus nexus, long key, int type) {
        View v = view;
        Long current = v.registrations.get(nexus);
        if (current == null || current != key) return Outcome.CONFLICT;
        if (v.type == 0) return Outcome.GOOD;
        boolean isHolder = allRegistrants(v.type) || nexus.equals(v.holder);
        if (!isHolder) return Outcome.GOOD;
        if (v.type != type) return Outcome.INVALID_RELEASE;
        if (v.type != WRITE_EXCLUSIVE && v.type != EXCLUSIVE_ACCESS) {
            raise(() -> unitAttentions.raiseAllExcept(v.registrations.keySet(), nexus, Sense.RESERVATIONS_RELEASED));
        }
        view = new View(v.generation, v.registrations, null, 0, v.spc2Holder);
        return Outcome.GOOD;
    }

    public synchronized Outcome clear(Nexus nexus, long key) {
        View v = view;
        Long current = v.registrations.get(nexus);
        if (current == null || current != key) return Outcome.CONFLICT;
        raise(() -> unitAttentions.raiseAllExcept(v.registrations.keySet(), nexus, Sense.RESERVATIONS_PREEMPTED));
        view = new View(v.generation + 1, Map.of(), null, 0, v.spc2Holder);
        return Outcome.GOOD;
    }

    /**
     * PREEMPT / PREEMPT AND ABORT (SPC-4 5.12.11.2.4/5). Returns the preempted nexuses through
     * {@code preempted} so the caller can abort their tasks.
     */
    public synchronized Outcome preempt(Nexus nexus, long key, long preemptKey, int type, List<Nexus> preempted) {
        View v = view;
        Long current = v.registrations.get(nexus);
        if (current == null || current != key) return Outcome.CONFLICT;
        var regs = new LinkedHashMap<>(v.registrations);
        Nexus holder = v.holder;
        int newType = v.type;
        if (v.type != 0 && allRegistrants(v.type) && preemptKey == 0) {
            if (!validType(type)) return Outcome.INVALID_TYPE;
            // preempting an all-registrants reservation with key 0 removes every other registrant
            regs.keySet().removeIf(n -> {
                if (n.equals(nexus)) return false;
                preempted.add(n);
                return true;
            });
            holder = allRegistrants(type) ? null : nexus;
            newType = type;
        } else if (v.type != 0 && !allRegistrants(v.type) && v.holder != null
                && preemptKey == v.registrations.getOrDefault(v.holder, -1L)) {
            if (!validType(type)) return Outcome.INVALID_TYPE;
            regs.keySet().removeIf(n -> {
                if (n.equals(nexus) || regs.get(n) != preemptKey) return false;
                preempted.add(n);
                return true;
            });
            if (v.type != type) {
                for (Nexus n : regs.keySet()) if (!n.equals(nexus)) raise(() -> unitAttentions.raise(n, Sense.RESERVATIONS_RELEASED));
            }
            holder = allRegistrants(type) ? null : nexus;
            newType = type;
        } else {
            if (preemptKey == 0) return Outcome.INVALID_PARAMETER;
            regs.keySet().removeIf(n -> {
                if (regs.get(n) != preemptKey) return false;
                preempted.add(n);
                return true;
            });
            if (preempted.isEmpty()) return Outcome.CONFLICT;
            if (holder != null && !regs.containsKey(holder)) {
                holder = null;
                newType = 0;
            }
            if (newType != 0 && allRegistrants(newType) && regs.isEmpty()) newType = 0;
        }
        for (Nexus n : preempted) raise(() -> unitAttentions.raise(n, Sense.REGISTRATIONS_PREEMPTED));
        view = new View(v.generation + 1, freeze(regs), holder, newType, v.spc2Holder);
        return Outcome.GOOD;
    }

    // ---------------------------------------------------------------- resets and nexus loss

    /** LUN/target reset: SPC-2 reservations go away, persistent ones survive (SPC-4 5.12.1). */
    public synchronized void reset() {
        View v = view;
        if (v.spc2Holder != null) view = new View(v.generation, v.registrations, v.holder, v.type, null);
    }

    /** I_T nexus loss releases an SPC-2 reservation held through it; registrations persist. */
    public synchronized void nexusLost(Nexus nexus) {
        View v = view;
        if (nexus.equals(v.spc2Holder)) view = new View(v.generation, v.registrations, v.holder, v.type, null);
    }

    private static Map<Nexus, Long> freeze(LinkedHashMap<Nexus, Long> regs) {
        return Collections.unmodifiableMap(regs);
    }
}
