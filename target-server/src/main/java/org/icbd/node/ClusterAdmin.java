package org.icbd.node;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.icbd.config.ClusterSettings;
import org.icbd.config.ConfigException;
import org.icbd.failover.ClusterPaths;
import org.icbd.failover.Epochs;
import org.icbd.failover.ZNodes;
import org.icbd.volume.FileCatalog;
import org.icbd.volume.VolumeLayout;

/** One-off cluster operations from the command line, each with its own short ZooKeeper session. */
public final class ClusterAdmin {

    private ClusterAdmin() {
    }

    /** Copies the leader's published catalog into {@code dataRoot}, if a leader has published one. */
    public static void mirrorCatalog(ClusterSettings cluster, Path dataRoot) throws Exception {
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

    /** What an operator needs to see of replication: the epoch, the live nodes, and per standby and volume the lag. */
    public static String status(ClusterSettings cluster) throws Exception {
        try (CuratorFramework zk = connected(cluster)) {
            ClusterPaths paths = new ClusterPaths(cluster.name());
            StringBuilder out = new StringBuilder();
            out.append("cluster ").append(cluster.name()).append(", epoch ").append(new Epochs(zk, paths).current()).append('\n');
            java.util.List<String> live = new java.util.ArrayList<>(new java.util.TreeSet<>(ZNodes.children(zk, paths.nodes())));
            out.append("live nodes: ").append(live.isEmpty() ? "none (only nodes with replication configured register)" : String.join(", ", live))
                    .append('\n');
            java.util.List<org.icbd.failover.ReplicationProgress.Ack> acks = new org.icbd.failover.ReplicationProgress(zk, paths).all();
            if (acks.isEmpty()) {
                out.append("no checkpoint has been acknowledged yet\n");
                return out.toString();
            }
            out.append(String.format("%-16s %-24s %-32s %s%n", "STANDBY", "VOLUME", "LAST CHECKPOINT", "AGE"));
            java.time.Instant now = java.time.Instant.now();
            for (var a : acks) {
                long ms = java.time.Duration.between(a.at(), now).toMillis();
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
