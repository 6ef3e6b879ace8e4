package org.icbd.node;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentHashMap;
import org.icbd.failover.ServingLease;
import org.icbd.iscsi.ExportedTarget;
import org.icbd.iscsi.ServingGate;
import org.icbd.iscsi.TargetRegistry;
import org.icbd.scsi.Nexus;
import org.icbd.scsi.ScsiRequest;
import org.icbd.scsi.ScsiResponse;
import org.icbd.scsi.ScsiTarget;
import org.icbd.scsi.TaskAborter;

/**
 * A leader's {@link ServingLease} as its portals see it: no command runs and no PDU leaves while the
 * lease is not valid. A lease that has just run out is waited for (its keeper either confirms it or
 * revokes it within moments), so a slow ZooKeeper answer costs latency, not a reconnect.
 */
final class LeaseGate implements ServingGate {

    private final ServingLease lease;

    LeaseGate(ServingLease lease) {
        this.lease = lease;
    }

    @Override
    public boolean mayAnswer() {
        try {
            return lease.awaitValid(lease.duration());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code inner}'s targets, each command of which runs only while the lease holds. */
    TargetRegistry guard(TargetRegistry inner) {
        return new Guarded(inner, this);
    }

    private static final class Guarded implements TargetRegistry {

        private final TargetRegistry inner;
        private final ServingGate gate;
        /** One guarded view per target, so a session keeps seeing the same one. */
        private final Map<ExportedTarget, ExportedTarget> seen = new ConcurrentHashMap<>();

        Guarded(TargetRegistry inner, ServingGate gate) {
            this.inner = inner;
            this.gate = gate;
        }

        private ExportedTarget guarded(ExportedTarget t) {
            return seen.computeIfAbsent(t, x -> new ExportedTarget(x.iqn(), x.alias(), new CheckedScsi(x.scsi(), gate),
                    x.chap(), x.mutualChap(), x.allowedInitiators()));
        }

        @Override
        public Optional<ExportedTarget> find(String iqn) {
            return inner.find(iqn).map(this::guarded);
        }

        @Override
        public List<ExportedTarget> all() {
            return inner.all().stream().map(this::guarded).toList();
        }

        @Override
        public Optional<String> unavailable(ExportedTarget target) {
            return inner.unavailable(target);
        }

        @Override
        public Optional<ExportedTarget.Credentials> discoveryChap() {
            return inner.discoveryChap();
        }
    }

    /** Runs a command only after the gate allowed it; otherwise BUSY, which the gate then keeps from leaving. */
    private record CheckedScsi(ScsiTarget inner, ServingGate gate) implements ScsiTarget {

        @Override
        public ScsiResponse execute(ScsiRequest request) {
            if (!gate.mayAnswer()) return ScsiResponse.status(ScsiResponse.BUSY);
            return inner.execute(request);
        }

        @Override
        public SortedSet<Long> luns() {
            return inner.luns();
        }

        @Override
        public void lunReset(long lun, Nexus requester) {
            inner.lunReset(lun, requester);
        }

        @Override
        public void targetReset(Nexus requester) {
            inner.targetReset(requester);
        }

        @Override
        public void nexusAdded(Nexus nexus) {
            inner.nexusAdded(nexus);
        }

        @Override
        public void nexusRemoved(Nexus nexus) {
            inner.nexusRemoved(nexus);
        }

        @Override
        public void setTaskAborter(TaskAborter aborter) {
            inner.setTaskAborter(aborter);
        }
    }
}
