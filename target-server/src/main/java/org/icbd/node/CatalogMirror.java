package org.icbd.node;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.icbd.failover.ClusterPaths;
import org.icbd.failover.Epochs;
import org.icbd.failover.ZNodes;
import org.icbd.volume.FileCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each node's local copy of the cluster's catalog (its {@code catalog.json}) the one in ZooKeeper,
 * where every node and CLI changes it ({@link org.icbd.volume.ZkCatalog}). The copy is only read: the
 * configuration's clone and version LUNs resolve against it when a node starts and when it starts to
 * lead, so a promoted clone is the same disk, with the same identity (serial, NAA), on every node. The
 * leader is also told of every change, to serve what it says (a workstation added on another node).
 */
final class CatalogMirror implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CatalogMirror.class);

    private final CuratorFramework zk;
    private final String path;
    private final FileCatalog catalog;
    private final CuratorCache cache;
    private final Epochs epochs;
    private volatile Runnable changed = () -> { };
    private final ExecutorService events = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("icbd-catalog").factory());

    CatalogMirror(CuratorFramework zk, ClusterPaths paths, FileCatalog catalog) {
        this.zk = zk;
        this.epochs = new Epochs(zk, paths);
        this.path = paths.catalog();
        this.catalog = catalog;
        this.cache = CuratorCache.build(zk, path, CuratorCache.Options.SINGLE_NODE_CACHE);
        // not on ZooKeeper's event thread: the leader's reaction takes the catalog's lock, which waits for watch events
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreatesAndChanges((before, now) -> mirror(now.getData())).build(), events);
    }

    /** Follows the cluster's catalog. */
    void follow() {
        cache.start();
    }

    /** {@code listener} runs after each change of the cluster's catalog (null: nothing does). */
    void onChange(Runnable listener) {
        changed = listener == null ? () -> { } : listener;
    }

    private void mirror(byte[] data) {
        if (data == null || data.length == 0) return;
        try {
            catalog.replace(data);
        } catch (Exception e) {
            log.error("could not copy the cluster's catalog into this node's data root: {}", e.getMessage());
        }
        changed.run();
    }

    /**
     * Makes this node's catalog the cluster's when the cluster has none yet (its first leader, whose data
     * root holds the images imported before the cluster ran), fenced by {@code epoch}. Once there is one,
     * ZooKeeper's is the catalog: every change is made there.
     */
    void seed(long epoch) throws Exception {
        if (ZNodes.read(zk, path).filter(json -> !json.isEmpty()).isPresent()) return;
        epochs.writeFenced(path, catalog.export(), epoch);
        log.info("the cluster had no catalog yet: it is now this node's");
    }

    /** Copies the cluster's catalog, if there is one, once (before the configuration is read). */
    static void copyOnce(CuratorFramework zk, ClusterPaths paths, FileCatalog catalog) throws Exception {
        // none yet (no leader so far): this node's own catalog stands
        Optional<String> published = ZNodes.read(zk, paths.catalog()).filter(json -> !json.isEmpty());
        if (published.isPresent()) catalog.replace(published.get().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        cache.close();
        events.shutdownNow();
    }
}
