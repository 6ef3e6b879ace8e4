package org.icbd.node;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.icbd.config.HostPort;
import org.icbd.failover.Checkpointer;
import org.icbd.failover.ClusterPaths;
import org.icbd.failover.ZNodes;

/**
 * Which nodes are alive and where they receive checkpoints: each node keeps an ephemeral znode
 * ({@code /icbd/<cluster>/nodes/<id>} = {@code host:port}, recreated by Curator's PersistentNode after
 * a reconnect), and the leader sends to every other one it finds there.
 */
final class NodeDirectory implements AutoCloseable {

    private final CuratorFramework zk;
    private final ClusterPaths paths;
    private final String self;
    private final PersistentNode mine;

    NodeDirectory(CuratorFramework zk, ClusterPaths paths, String self, HostPort replicationAddress) {
        this.zk = zk;
        this.paths = paths;
        this.self = self;
        this.mine = new PersistentNode(zk, CreateMode.EPHEMERAL, false, paths.node(self),
                replicationAddress.toString().getBytes(StandardCharsets.UTF_8));
        mine.start();
    }

    /** Every live node but this one. */
    List<Checkpointer.Standby> standbys() throws Exception {
        List<Checkpointer.Standby> out = new ArrayList<>();
        for (String id : ZNodes.children(zk, paths.nodes())) {
            if (id.equals(self)) continue;
            // absent when it left between the listing and the read
            ZNodes.read(zk, paths.node(id)).map(address -> HostPort.parse(address, 3270))
                    .ifPresent(hp -> out.add(new Checkpointer.Standby(id, new InetSocketAddress(hp.host(), hp.port()))));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        mine.close();
    }
}
