package org.icbd.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.icbd.config.ClusterSettings;
import org.icbd.config.ConfigException;
import org.icbd.failover.ClusterPaths;
import org.icbd.failover.Epochs;
import org.icbd.failover.ReplicationProgress;
import org.icbd.failover.SyncState;
import org.icbd.failover.ZNodes;
import org.icbd.volume.FileCatalog;
import org.icbd.volume.VolumeLayout;

/** One-off cluster operations from the command line, each with its own short ZooKeeper session. */
public final class ClusterAdmin {

    private ClusterAdmin() {
    }

    /** Copies the leader's published catalog into {@code dataRoot}, if a leader has published one. */
    public static void mirrorCatalog(ClusterSettings cluster, Path dataRoot) throws Exception {
        // a new standby may have nothing yet: it receives versions and clones into this data root
        Files.createDirectories(dataRoot);
        try (CuratorFramework zk = connected(cluster)) {
            CatalogMirror.copyOnce(zk, new ClusterPaths(cluster.name()), new FileCatalog(new VolumeLayout(dataRoot)));
        }
    }

    /**
     * Lets the current leader serve targets it holds after a failover (clones promoted from an
     * asynchronous checkpoint). Returns the epoch released.
     */
    public static long release(ClusterSettings cluster) throws Exception {
        try (CuratorFramework zk = connected(cluster)) {
            ClusterPaths paths = new ClusterPaths(cluster.name());
            long epoch = new Epochs(zk, paths).current();
            if (epoch == 0) throw new ConfigException("cluster", "no node has led cluster " + cluster.name() + " yet");
            try {
                zk.create().creatingParentsIfNeeded().forPath(paths.released(epoch));
            } catch (KeeperException.NodeExistsException already) {
                // released before: nothing more to do
            }
            return epoch;
        }
    }

    /**
     * Lets {@code node} lead although it is not in sync: for when the leader is lost for good and no
     * standby holds every write it acknowledged. Whatever it lacks is lost; its writable targets are
     * held until released.
     *
     * @return what the node lacks, as the sync state says
     */
    public static String promote(ClusterSettings cluster, String node) throws Exception {
        try (CuratorFramework zk = connected(cluster)) {
            ClusterPaths paths = new ClusterPaths(cluster.name());
            ClusterPaths.nameProblem("node id", node).ifPresent(p -> {
                throw new IllegalArgumentException(p);
            });
            Optional<SyncState> state = SyncState.read(zk, paths);
            if (state.isEmpty() || state.get().eligible(node)) {
                return node + " is in sync already (nothing is replicated synchronously, or it has every acknowledged write):"
                        + " it takes over by itself when it wins the election";
            }
            ZNodes.write(zk, paths.forcedLeader(), node);
            return node + " may now lead although it lacks the writes " + state.get().leader() + " (epoch " + state.get().epoch()
                    + ") acknowledged since its last checkpoint of " + state.get().missing(node) + "; its writable targets will be"
                    + " held until 'icbd cluster release'";
        }
    }

    /** What an operator needs to see of replication: the epoch, the live nodes, and per standby and volume the lag. */
    public static String status(ClusterSettings cluster) throws Exception {
        try (CuratorFramework zk = connected(cluster)) {
            ClusterPaths paths = new ClusterPaths(cluster.name());
            StringBuilder out = new StringBuilder();
            out.append("cluster ").append(cluster.name()).append(", epoch ").append(new Epochs(zk, paths).current()).append('\n');
            List<String> live = new ArrayList<>(new TreeSet<>(ZNodes.children(zk, paths.nodes())));
            out.append("live nodes: ").append(live.isEmpty() ? "none (only nodes with replication configured register)" : String.join(", ", live))
                    .append('\n');
            for (String node : ZNodes.children(zk, paths.noSpace())) {
                ZNodes.read(zk, paths.noSpace(node)).ifPresent(why -> out.append("standby ").append(node)
                        .append(" CANNOT RECEIVE: ").append(why).append('\n'));
            }
            Optional<SyncState> sync = SyncState.read(zk, paths);
            if (sync.isPresent()) {
                out.append("synchronous write log of ").append(sync.get().leader()).append(" (epoch ").append(sync.get().epoch()).append("):\n");
                sync.get().volumes().forEach((v, nodes) -> out.append(String.format("  %-24s in sync: %s%n", v,
                        nodes.isEmpty() ? "NONE (a failover would lose acknowledged writes)" : String.join(", ", nodes))));
            }
            List<ReplicationProgress.Ack> acks = new ReplicationProgress(zk, paths).all();
            if (acks.isEmpty()) {
                out.append("no checkpoint has been acknowledged yet\n");
                return out.toString();
            }
            out.append(String.format("%-16s %-24s %-32s %s%n", "STANDBY", "VOLUME", "LAST CHECKPOINT", "AGE"));
            Instant now = Instant.now();
            for (var a : acks) {
                long ms = Duration.between(a.at(), now).toMillis();
                out.append(String.format("%-16s %-24s %-32s %.1f s%s%n", a.node(), a.volume(), a.snapshot(), ms / 1000.0,
                        live.contains(a.node()) ? "" : " (node not live)"));
            }
            return out.toString();
        }
    }

    private static CuratorFramework connected(ClusterSettings cluster) throws Exception {
        CuratorFramework zk = ClusterNode.connect(cluster);
        if (!zk.blockUntilConnected((int) Math.max(5000, 3 * cluster.sessionTimeout().toMillis()), TimeUnit.MILLISECONDS)) {
            zk.close();
            throw new ConfigException("cluster.zookeeper", "cannot reach ZooKeeper at " + cluster.zookeeper());
        }
        return zk;
    }
}
