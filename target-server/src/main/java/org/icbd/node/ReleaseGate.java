package org.icbd.node;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.curator.framework.CuratorFramework;
import org.icbd.failover.ClusterPaths;
import org.icbd.iscsi.ExportedTarget;
import org.icbd.iscsi.TargetRegistry;

/**
 * Replication is asynchronous (checkpoints), so a clone promoted from a checkpoint lacks the writes
 * its initiator saw acknowledged after that checkpoint; a file system that silently resumed on it would
 * be corrupted. So logins to a target serving such a clone are refused (Service Unavailable) until an
 * administrator decides, with {@code icbd cluster release}, that the workstation may use it (typically
 * after it rebooted). Everything else is served at once.
 */
final class ReleaseGate implements TargetRegistry {

    private final TargetRegistry inner;
    private final CuratorFramework zk;
    private final String releasePath;
    private final Set<String> held;
    private volatile boolean released;

    ReleaseGate(TargetRegistry inner, CuratorFramework zk, ClusterPaths paths, long epoch, Set<String> heldTargets) {
        this.inner = inner;
        this.zk = zk;
        this.releasePath = paths.released(epoch);
        this.held = Set.copyOf(heldTargets);
    }

    @Override
    public Optional<ExportedTarget> find(String iqn) {
        return inner.find(iqn);
    }

    @Override
    public List<ExportedTarget> all() {
        return inner.all();
    }

    @Override
    public Optional<ExportedTarget.Credentials> discoveryChap() {
        return inner.discoveryChap();
    }

    @Override
    public Optional<String> unavailable(ExportedTarget target) {
        if (released || !held.contains(target.iqn().toLowerCase(Locale.ROOT))) return inner.unavailable(target);
        try {
            released = zk.checkExists().forPath(releasePath) != null;
        } catch (Exception e) {
            return Optional.of("cannot reach ZooKeeper to see whether an administrator released it: " + e.getMessage());
        }
        if (released) return inner.unavailable(target);
        return Optional.of("held after failover: a writable LUN was promoted from an asynchronous replication checkpoint and"
                + " lacks the writes made after it; run 'icbd cluster release' on a node to serve it anyway");
    }
}
