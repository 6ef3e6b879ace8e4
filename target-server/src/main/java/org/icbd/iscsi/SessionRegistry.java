package org.icbd.iscsi;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.icbd.scsi.Nexus;
import org.icbd.scsi.ScsiTarget;

/**
 * The node's iSCSI sessions, whichever portal they came through: reinstatement, {@code max-sessions},
 * LUN and target resets and PREEMPT AND ABORT see them all. Also the node's buffer budget and meters.
 * Every portal ({@link IscsiServer}) of a node shares one.
 */
public final class SessionRegistry implements AutoCloseable {

    private final IscsiSettings settings;
    private final TargetRegistry targets;
    private final ServingGate gate;
    private final IscsiMetrics metrics;
    private final BufferBudget budget;
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final Set<ScsiTarget> aborterInstalled = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tsih = new AtomicInteger();

    public SessionRegistry(IscsiSettings settings, TargetRegistry targets, MeterRegistry meters) {
        this(settings, targets, ServingGate.ALWAYS, meters);
    }

    /** @param gate asked before every answer leaves (a cluster node's leadership lease) */
    public SessionRegistry(IscsiSettings settings, TargetRegistry targets, ServingGate gate, MeterRegistry meters) {
        this(settings, targets, gate, meters, BufferBudget.forHeap(settings.maxCommandBytes()));
    }

    SessionRegistry(IscsiSettings settings, TargetRegistry targets, MeterRegistry meters, BufferBudget budget) {
        this(settings, targets, ServingGate.ALWAYS, meters, budget);
    }

    SessionRegistry(IscsiSettings settings, TargetRegistry targets, ServingGate gate, MeterRegistry meters, BufferBudget budget) {
        this.gate = gate;
        this.settings = settings;
        this.targets = targets;
        this.budget = budget;
        this.metrics = new IscsiMetrics(meters, sessions::size);
    }

    public int sessionCount() {
        return sessions.size();
    }

    IscsiSettings settings() {
        return settings;
    }

    ServingGate gate() {
        return gate;
    }

    TargetRegistry targets() {
        return targets;
    }

    IscsiMetrics metrics() {
        return metrics;
    }

    BufferBudget budget() {
        return budget;
    }

    int nextTsih() {
        int t;
        do {
            t = tsih.incrementAndGet() & 0xFFFF;
        } while (t == 0);
        return t;
    }

    /** Registers a new session; returns the one it replaces (same initiator, ISID and target). */
    Session register(Session s) {
        if (s.target != null && aborterInstalled.add(s.target.scsi())) s.target.scsi().setTaskAborter(this::abortTasksOf);
        return sessions.put(s.key, s);
    }

    void unregister(Session s) {
        sessions.remove(s.key, s);
    }

    /** Ends every session on target {@code iqn} (removed, or its disk reset for a reboot, while the node runs). */
    public void endSessionsOf(String iqn) {
        sessions.values().stream().filter(s -> s.target != null && s.target.iqn().equalsIgnoreCase(iqn))
                .forEach(s -> s.connection.close("target " + iqn + " ended"));
    }

    List<Session> sessionsOf(ExportedTarget target) {
        return sessions.values().stream().filter(s -> s.target != null && s.target.iqn().equals(target.iqn())).toList();
    }

    /** PREEMPT AND ABORT: aborts every task of {@code nexus} on {@code lun}, in whichever session holds it. */
    void abortTasksOf(long lun, Nexus nexus) {
        for (Session s : sessions.values()) {
            if (nexus.equals(s.nexus)) s.tasks.abortWhere(task -> task.command.lun() == lun);
        }
    }

    /** The session gauge reads this registry; a registry made later (a new leadership) registers its own. */
    @Override
    public void close() {
        metrics.close();
    }
}
