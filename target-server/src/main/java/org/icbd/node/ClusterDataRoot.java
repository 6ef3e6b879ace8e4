package org.icbd.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.icbd.config.ClusterSettings;
import org.icbd.failover.ClusterPaths;
import org.icbd.failover.ZNodes;
import org.icbd.volume.CatalogState;
import org.icbd.volume.FileCatalog;
import org.icbd.volume.VolumeFileSystem;
import org.icbd.volume.VolumeLayout;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.ZkCatalog;

/**
 * The mark a cluster node leaves in its data root ({@code cluster-member.json}): which cluster it
 * belongs to and where its ZooKeeper is, so that the CLI on that machine, given only the data root,
 * acts on the cluster's catalog in ZooKeeper, the one every node and CLI sees, and not on a copy.
 */
public record ClusterDataRoot(String cluster, String node, String zookeeper, long sessionTimeoutMs) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FILE = "cluster-member.json";

    static ClusterDataRoot of(ClusterSettings c) {
        return new ClusterDataRoot(c.name(), c.node(), c.zookeeper(), c.sessionTimeout().toMillis());
    }

    /** Marks {@code dataRoot} as the data root of {@code c}'s node. */
    static void mark(Path dataRoot, ClusterSettings c) throws IOException {
        Files.createDirectories(dataRoot);
        Path tmp = dataRoot.resolve(FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), of(c));
        Files.move(tmp, dataRoot.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A data root served by a single node again: its own catalog counts. */
    public static void unmark(Path dataRoot) throws IOException {
        Files.deleteIfExists(dataRoot.resolve(FILE));
    }

    /** The cluster this data root belongs to, if a cluster node marked it. */
    public static Optional<ClusterDataRoot> of(Path dataRoot) throws IOException {
        Path f = dataRoot.resolve(FILE);
        if (!Files.exists(f)) return Optional.empty();
        try {
            return Optional.of(JSON.readValue(f.toFile(), ClusterDataRoot.class));
        } catch (IOException e) {
            throw new IOException(f + " is unreadable (" + e.getMessage() + "); the node rewrites it when it starts", e);
        }
    }

    /**
     * The data root with the cluster's catalog, for the CLI (its ZooKeeper session ends with the process):
     * changes to the catalog alone are made from any node; changes to disks only where they are served
     * (on the leader, or on any node while none leads), otherwise refused naming the leader.
     */
    public VolumeManager volumes(Path dataRoot) throws IOException {
        CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(zookeeper).sessionTimeoutMs((int) sessionTimeoutMs)
                .connectionTimeoutMs((int) sessionTimeoutMs).retryPolicy(new ExponentialBackoffRetry(100, 5, 1000)).build();
        zk.start();
        return volumes(dataRoot, zk);
    }

    /** As {@link #volumes(Path)}, on the ZooKeeper client {@code zk} (a running node's). */
    VolumeManager volumes(Path dataRoot, CuratorFramework zk) throws IOException {
        VolumeManager.open(dataRoot); // the directories
        VolumeLayout layout = new VolumeLayout(dataRoot);
        ClusterPaths paths = new ClusterPaths(cluster);
        ZkCatalog catalog = new ZkCatalog(zk, paths, ZkCatalog.Fence.ANY_EPOCH);
        // no leader has made the cluster's catalog yet: it will be this node's own, as when this node leads first
        CatalogState own = new FileCatalog(layout).read();
        if (!own.equals(CatalogState.empty())) catalog.seed(own);
        return new VolumeManager(layout, VolumeFileSystem.forRoot(dataRoot), catalog, () -> {
            Optional<String> leader = leader(zk, paths);
            return leader.filter(l -> !l.equals(node)).map(l -> "node " + l + " leads cluster " + cluster
                    + " and serves its disks; run this on " + l + " (this node, " + node + ", stands by)");
        });
    }

    /** The node that holds the election's latch now, if any (a dead node's latch goes with its session). */
    static Optional<String> leader(CuratorFramework zk, ClusterPaths paths) {
        try {
            List<String> latches = ZNodes.children(zk, paths.leader()).stream()
                    .sorted(Comparator.comparing(ClusterDataRoot::sequence)).toList();
            for (String l : latches) {
                Optional<String> id = ZNodes.read(zk, paths.leader() + "/" + l);
                if (id.isPresent()) return id;
            }
            return Optional.empty();
        } catch (Exception e) {
            throw new IllegalStateException("cannot tell which node leads cluster " + paths.cluster() + ": " + e.getMessage(), e);
        }
    }

    private static String sequence(String latchNode) {
        int i = latchNode.lastIndexOf("latch-");
        return i < 0 ? latchNode : latchNode.substring(i + "latch-".length());
    }
}
