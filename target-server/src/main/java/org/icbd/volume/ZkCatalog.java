package org.icbd.volume;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The catalog in ZooKeeper, for a cluster: one znode holding the catalog's JSON, changed under a
 * Curator {@link InterProcessMutex} so that a transaction's file-system work and its catalog write
 * are one critical section across every node and CLI. The write is also a compare-and-set on the
 * znode's version: a holder whose lock was lost with its session cannot overwrite a newer catalog.
 *
 * <p>One znode keeps the catalog atomic and simple; ZooKeeper's default 1 MiB znode limit holds
 * some thousands of clones, which is beyond one site's pair of storage nodes.
 */
public final class ZkCatalog implements Catalog {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long LOCK_WAIT_SECONDS = 60;

    private final CuratorFramework zk;
    private final String path;
    private final InterProcessMutex lock;

    /** @param root the cluster's znode, e.g. {@code /icbd/site1}; the catalog is {@code root/catalog} */
    public ZkCatalog(CuratorFramework zk, String root) {
        this.zk = zk;
        this.path = root + "/catalog";
        this.lock = new InterProcessMutex(zk, root + "/locks/catalog");
    }

    @Override
    public CatalogState read() throws IOException {
        return read(new Stat());
    }

    private CatalogState read(Stat stat) throws IOException {
        try {
            byte[] data = zk.getData().storingStatIn(stat).forPath(path);
            return JSON.readValue(data, CatalogState.class);
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
            return change.apply(read(stat)).commit(next -> write(next, stat.getVersion()), "at " + path);
        } finally {
            try {
                lock.release();
            } catch (Exception e) {
                // the lock node is ephemeral: it goes with the session if this failed
            }
        }
    }

    private void write(CatalogState state, int version) throws Exception {
        byte[] data = JSON.writeValueAsBytes(state);
        if (version == -2) {
            zk.create().creatingParentsIfNeeded().forPath(path, data);
        } else {
            zk.setData().withVersion(version).forPath(path, data);
        }
    }
}
