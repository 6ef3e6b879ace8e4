package org.icbd.failover;

import java.nio.ByteBuffer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The cluster's epoch, a fencing token in ZooKeeper: every new leader takes the next one with a
 * compare-and-set on the znode's version, so no two leaders ever hold the same epoch, and anything a
 * leader sends (replication streams, catalog writes) carries it; receivers refuse older epochs.
 */
public final class Epochs {

    private final CuratorFramework zk;
    private final String path;

    public Epochs(CuratorFramework zk, ClusterPaths paths) {
        this.zk = zk;
        this.path = paths.epoch();
    }

    /** The epoch of the current (or last) leader; 0 before the first. */
    public long current() throws Exception {
        try {
            return decode(zk.getData().forPath(path));
        } catch (KeeperException.NoNodeException e) {
            return 0;
        }
    }

    /** Takes the next epoch; retried on a concurrent change, so every caller gets a distinct value. */
    public long next() throws Exception {
        while (true) {
            Stat stat = new Stat();
            long cur;
            try {
                cur = decode(zk.getData().storingStatIn(stat).forPath(path));
            } catch (KeeperException.NoNodeException e) {
                try {
                    zk.create().creatingParentsIfNeeded().forPath(path, encode(1));
                    return 1;
                } catch (KeeperException.NodeExistsException raced) {
                    continue;
                }
            }
            try {
                zk.setData().withVersion(stat.getVersion()).forPath(path, encode(cur + 1));
                return cur + 1;
            } catch (KeeperException.BadVersionException raced) {
                // another node took one in between; read again
            }
        }
    }

    private static byte[] encode(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    private static long decode(byte[] b) {
        return b == null || b.length != 8 ? 0 : ByteBuffer.wrap(b).getLong();
    }
}
