package org.icbd.failover;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * The three znode operations the cluster's state is made of, where an absent node is an ordinary
 * answer rather than an error: read it, overwrite it (creating it and its parents the first time),
 * list its children.
 */
public final class ZNodes {

    private ZNodes() {
    }

    public static Optional<String> read(CuratorFramework zk, String path) throws Exception {
        try {
            return Optional.of(new String(zk.getData().forPath(path), StandardCharsets.UTF_8));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
    }

    public static void write(CuratorFramework zk, String path, String value) throws Exception {
        byte[] data = value.getBytes(StandardCharsets.UTF_8);
        try {
            zk.setData().forPath(path, data);
        } catch (KeeperException.NoNodeException e) {
            try {
                zk.create().creatingParentsIfNeeded().forPath(path, data);
            } catch (KeeperException.NodeExistsException raced) {
                zk.setData().forPath(path, data);
            }
        }
    }

    /** The children's names, none when the node is absent. */
    public static List<String> children(CuratorFramework zk, String path) throws Exception {
        try {
            return zk.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }
}
