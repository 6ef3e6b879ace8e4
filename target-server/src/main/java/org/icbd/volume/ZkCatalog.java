package org.icbd.volume;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.icbd.failover.ClusterPaths;

/**
 * The catalog of a cluster, in ZooKeeper: one znode holding the catalog's JSON, the one state every
 * node and every CLI reads and changes. A change runs under a Curator {@link InterProcessMutex}, so a
 * transaction's file-system work and its catalog write are one critical section across every node and
 * CLI, and is written in one ZooKeeper transaction with two checks: the catalog znode's version (a
 * holder whose lock went with its session cannot overwrite a newer catalog) and the epoch znode's
 * version, the cluster's fencing pattern: a leader deposed since it read the epoch, or a CLI whose
 * change began under another leader, writes nothing.
 *
 * <p>One znode keeps the catalog atomic and simple; ZooKeeper's default 1 MiB znode limit holds some
 * thousands of workstations, beyond one site's pair of storage nodes.
 */
public final class ZkCatalog implements Catalog {

    /** Who may write in the cluster's current epoch. */
    @FunctionalInterface
    public interface Fence {
        /** An administrator's command: in whichever epoch it began, provided that epoch still lasts when it writes. */
        Fence ANY_EPOCH = current -> { };

        /**
         * @param current the cluster's epoch now (0 before any leader)
         * @throws VolumeException when this writer may not change the catalog in it
         */
        void check(long current);

        /** The leader of {@code epoch}, and only while that epoch lasts. */
        static Fence leaderOf(long epoch) {
            return current -> {
                if (current != epoch) {
                    throw new VolumeException(VolumeException.Kind.FAILED, "this node no longer leads: its epoch " + epoch
                            + " is over (the cluster is in epoch " + current + "); nothing was changed");
                }
            };
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long LOCK_WAIT_SECONDS = 60;

    private final CuratorFramework zk;
    private final ClusterPaths paths;
    private final String path;
    private final InterProcessMutex lock;
    private final Fence fence;

    public ZkCatalog(CuratorFramework zk, ClusterPaths paths, Fence fence) {
        this.zk = zk;
        this.paths = paths;
        this.path = paths.catalog();
        this.lock = new InterProcessMutex(zk, paths.root() + "/locks/catalog");
        this.fence = fence;
    }

    @Override
    public CatalogState read() throws IOException {
        return read(new Stat());
    }

    /** The catalog's JSON as stored, or null when there is none yet. */
    public byte[] raw() throws IOException {
        try {
            return zk.getData().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        } catch (Exception e) {
            throw new IOException("cannot read the catalog at " + path + " from ZooKeeper: " + e.getMessage(), e);
        }
    }

    /**
     * Makes {@code initial} the catalog when there is none yet (a node's own, before the cluster's first
     * leader made it the cluster's); never overwrites one.
     */
    public void seed(CatalogState initial) throws IOException {
        for (int attempt = 1; raw() == null; attempt++) {
            try {
                transact(current -> Catalog.Outcome.of(raw() == null ? initial : null, null));
            } catch (IOException | VolumeException e) {
                // the first leader was elected (a new epoch) or seeded it meanwhile, as a node that starts
                // its admin API while it wins the election sees: look again; only a lasting failure counts
                if (attempt == 3) throw e;
            }
        }
    }

    /** Parses a catalog as {@link #raw} hands it back; garbage is refused. */
    public static CatalogState parse(byte[] json) throws IOException {
        if (json == null || json.length == 0) return CatalogState.empty();
        return JSON.readValue(json, CatalogState.class);
    }

    private CatalogState read(Stat stat) throws IOException {
        try {
            byte[] data = zk.getData().storingStatIn(stat).forPath(path);
            return parse(data);
        } catch (KeeperException.NoNodeException e) {
            stat.setVersion(-2); // "absent": the first write creates it
            return CatalogState.empty();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot read the catalog at " + path + " from ZooKeeper: " + e.getMessage(), e);
        }
    }

    @Override
    public <T> T transact(Transaction<T> change) throws IOException {
        try {
            if (!lock.acquire(LOCK_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new VolumeException(VolumeException.Kind.FAILED, "another catalog change has held the lock for "
                        + LOCK_WAIT_SECONDS + " s; try again");
            }
        } catch (IOException | VolumeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot lock the catalog in ZooKeeper: " + e.getMessage(), e);
        }
        try {
            Stat stat = new Stat();
            CatalogState current = read(stat);
            Stat epochStat = new Stat();
            fence.check(epoch(epochStat));
            return change.apply(current).commit(next -> write(next, stat.getVersion(), epochStat), "at " + path);
        } finally {
            try {
                lock.release();
            } catch (Exception e) {
                // the lock node is ephemeral: it goes with the session if this failed
            }
        }
    }

    /** The cluster's epoch (0 before any leader; {@code stat}'s version then -1). */
    private long epoch(Stat stat) throws IOException {
        try {
            byte[] b = zk.getData().storingStatIn(stat).forPath(paths.epoch());
            return b == null || b.length != 8 ? 0 : ByteBuffer.wrap(b).getLong();
        } catch (KeeperException.NoNodeException e) {
            stat.setVersion(-1);
            return 0;
        } catch (Exception e) {
            throw new IOException("cannot read the cluster's epoch from ZooKeeper: " + e.getMessage(), e);
        }
    }

    private void write(CatalogState state, int version, Stat epoch) throws Exception {
        byte[] data = JSON.writeValueAsBytes(state);
        if (zk.checkExists().forPath(paths.root()) == null) {
            try {
                zk.create().creatingParentsIfNeeded().forPath(paths.root());
            } catch (KeeperException.NodeExistsException raced) {
                // made meanwhile
            }
        }
        List<CuratorOp> ops = new ArrayList<>();
        // before the first leader there is no epoch to fence with; the first leader creates it
        if (epoch.getVersion() >= 0) ops.add(zk.transactionOp().check().withVersion(epoch.getVersion()).forPath(paths.epoch()));
        ops.add(version == -2 ? zk.transactionOp().create().forPath(path, data) : zk.transactionOp().setData().withVersion(version).forPath(path, data));
        try {
            zk.transaction().forOperations(ops);
        } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException | KeeperException.NoNodeException e) {
            throw new IOException("the cluster's leader changed while the catalog was being changed (a new epoch began),"
                    + " or another change slipped in; try again", e);
        }
    }
}
