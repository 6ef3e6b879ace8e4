package org.icbd.node;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.KeeperException;
import org.icbd.failover.ClusterPaths;
import org.icbd.volume.FileCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the standbys' volume catalog the leader's: the leader publishes its catalog to ZooKeeper
 * with every replication round, standbys follow the znode and write each version to their data root.
 * A promoted clone is then the same disk, with the same identity (serial, NAA), on every node.
 */
final class CatalogMirror implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CatalogMirror.class);

    private final CuratorFramework zk;
    private final String path;
    private final FileCatalog catalog;
    private final CuratorCache cache;

    CatalogMirror(CuratorFramework zk, ClusterPaths paths, FileCatalog catalog) {
        this.zk = zk;
        this.path = paths.catalog();
        this.catalog = catalog;
        this.cache = CuratorCache.build(zk, path, CuratorCache.Options.SINGLE_NODE_CACHE);
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreatesAndChanges((before, now) -> mirror(now.getData())).build());
    }

    /** Follows the leader's catalog (while this node stands by). */
    void follow() {
        cache.start();
    }

    private void mirror(byte[] data) {
        if (data == null || data.length == 0) return;
        try {
            catalog.replace(data);
        } catch (Exception e) {
            log.error("could not mirror the leader's catalog: {}", e.getMessage());
        }
    }

    /** Publishes this node's catalog (the leader's, every replication round). */
    void publish() throws Exception {
        byte[] data = catalog.export();
        try {
            zk.setData().forPath(path, data);
        } catch (KeeperException.NoNodeException e) {
            zk.create().creatingParentsIfNeeded().forPath(path, data);
        }
    }

    /** Copies the leader's published catalog, if there is one, once (before the configuration is read). */
    static void copyOnce(CuratorFramework zk, ClusterPaths paths, FileCatalog catalog) throws Exception {
        try {
            byte[] data = zk.getData().forPath(paths.catalog());
            if (data != null && data.length > 0) catalog.replace(data);
        } catch (KeeperException.NoNodeException e) {
            // no leader has published one yet: this node's own catalog stands
        }
    }

    @Override
    public void close() {
        cache.close();
    }
}
