package org.icbd.failover;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.data.Stat;

/**
 * Which checkpoint of each volume each standby has acknowledged, in ZooKeeper
 * ({@code /icbd/<cluster>/replication/<node>/<volume>}): the base of the next incremental send,
 * kept where a new leader finds it.
 */
public final class ReplicationProgress {

    private final CuratorFramework zk;
    private final ClusterPaths paths;

    public ReplicationProgress(CuratorFramework zk, ClusterPaths paths) {
        this.zk = zk;
        this.paths = paths;
    }

    public Optional<String> acked(String node, String volume) throws Exception {
        return ZNodes.read(zk, path(node, volume));
    }

    public void ack(String node, String volume, String snapshot) throws Exception {
        ZNodes.write(zk, path(node, volume), snapshot);
    }

    /** One standby's last acknowledged checkpoint of one volume, and when the leader recorded it. */
    public record Ack(String node, String volume, String snapshot, Instant at) {
    }

    /** Every acknowledgement recorded, by node and volume. */
    public List<Ack> all() throws Exception {
        List<Ack> out = new ArrayList<>();
        String root = paths.root() + "/replication";
        for (String node : new TreeSet<>(ZNodes.children(zk, root))) {
            for (String volume : new TreeSet<>(zk.getChildren().forPath(root + "/" + node))) {
                Stat stat = new Stat();
                byte[] data = zk.getData().storingStatIn(stat).forPath(path(node, volume));
                out.add(new Ack(node, volume, new String(data, StandardCharsets.UTF_8), Instant.ofEpochMilli(stat.getMtime())));
            }
        }
        return out;
    }

    private String path(String node, String volume) {
        return paths.root() + "/replication/" + node + "/" + volume;
    }
}
