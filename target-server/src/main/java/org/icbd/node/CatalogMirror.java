package org.icbd.node;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.icbd.failover.ClusterPaths;
import org.icbd.failover.Epochs;
import org.icbd.failover.ZNodes;
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
    private final Epochs epochs;

    CatalogMirror(CuratorFramework zk, ClusterPaths paths, FileCatalog catalog) {
        this.zk = zk;
        this.epochs = new Epochs(zk, paths);
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

    /**
     * Publishes this node's catalog (the leader's, every replication round), fenced by {@code epoch}: a
     * leader deposed a moment ago cannot overwrite its successor's. Only a changed catalog is written:
     * every write wakes each standby, which rewrites and fsyncs its copy.
     */
    void publish(long epoch) throws Exception {
        String mine = new String(catalog.export(), StandardCharsets.UTF_8);
        if (!ZNodes.read(zk, path).equals(Optional.of(mine))) epochs.writeFenced(path, mine.getBytes(StandardCharsets.UTF_8), epoch);
    }

    /** Copies the leader's published catalog, if there is one, once (before the configuration is read). */
    static void copyOnce(CuratorFramework zk, ClusterPaths paths, FileCatalog catalog) throws Exception {
        // none published yet (no leader so far): this node's own catalog stands
        Optional<String> published = ZNodes.read(zk, paths.catalog()).filter(json -> !json.isEmpty());
        if (published.isPresent()) catalog.replace(published.get().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        cache.close();
    }
}
