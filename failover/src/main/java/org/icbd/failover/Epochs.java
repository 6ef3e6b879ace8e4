package org.icbd.failover;

import java.io.IOException;
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

    /**
     * Writes {@code data} to {@code target} (creating it and any missing parent) only while {@code epoch} is still the cluster's
     * epoch: the write and a check of the epoch znode are one ZooKeeper transaction, so a leader deposed
     * a moment ago cannot overwrite what its successor wrote.
     *
     * @throws java.io.IOException when a newer epoch has begun
     */
    public void writeFenced(String target, byte[] data, long epoch) throws Exception {
        while (true) {
            Stat stat = new Stat();
            long cur = decode(zk.getData().storingStatIn(stat).forPath(path));
            if (cur != epoch) throw new IOException("epoch " + epoch + " is over (the cluster is in epoch " + cur + ")");
            boolean exists = zk.checkExists().forPath(target) != null;
            if (!exists) createParents(target); // folders only: the fenced write is the record itself
            try {
                zk.transaction().forOperations(
                        zk.transactionOp().check().withVersion(stat.getVersion()).forPath(path),
                        exists ? zk.transactionOp().setData().forPath(target, data) : zk.transactionOp().create().forPath(target, data));
                return;
            } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException | KeeperException.NoNodeException raced) {
                // the epoch moved (checked again above), or the target appeared or went: try again
            }
        }
    }

    private void createParents(String target) throws Exception {
        String parent = target.substring(0, target.lastIndexOf('/'));
        if (parent.isEmpty() || zk.checkExists().forPath(parent) != null) return;
        try {
            zk.create().creatingParentsIfNeeded().forPath(parent, new byte[0]);
        } catch (KeeperException.NodeExistsException raced) {
            // made meanwhile
        }
    }

    private static byte[] encode(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static long decode(byte[] b) {
        return b == null || b.length != 8 ? 0 : ByteBuffer.wrap(b).getLong();
    }
}
