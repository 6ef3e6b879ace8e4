package org.icbd.failover;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;

/**
 * A node may lead when it has every write the last leader acknowledged: the {@link SyncState} names it
 * (or names it the leader), or there is no such record (no volume is replicated synchronously), or an
 * administrator allowed it to lead anyway ({@code icbd cluster promote}).
 */
public final class SyncEligibility implements LeaderElection.Eligibility {

    private final CuratorFramework zk;
    private final ClusterPaths paths;
    private final String node;

    public SyncEligibility(CuratorFramework zk, ClusterPaths paths, String node) {
        this.zk = zk;
        this.paths = paths;
        this.node = node;
    }

    @Override
    public Optional<String> whyNot() throws Exception {
        // the last leader's final update (taking a standby out of sync) must be seen here, even when
        // this node's ZooKeeper server lags the ensemble's leader
        CountDownLatch synced = new CountDownLatch(1);
        zk.sync().inBackground((client, event) -> synced.countDown()).forPath(paths.root());
        if (!synced.await(5, TimeUnit.SECONDS)) return Optional.of("ZooKeeper did not answer a sync within 5 s");
        Optional<SyncState> state = SyncState.read(zk, paths);
        if (state.isEmpty() || state.get().eligible(node)) return Optional.empty();
        if (forced()) return Optional.empty();
        SyncState s = state.get();
        return Optional.of("not in sync for " + s.missing(node) + " with " + s.leader() + " (epoch " + s.epoch()
                + "); acknowledged writes may be missing here. If " + s.leader() + " is lost for good: icbd cluster promote --node "
                + node);
    }

    /** Whether an administrator allowed this node to lead although it is not in sync. */
    public boolean forced() throws Exception {
        return ZNodes.read(zk, paths.forcedLeader()).map(String::strip).filter(node::equals).isPresent();
    }
}
