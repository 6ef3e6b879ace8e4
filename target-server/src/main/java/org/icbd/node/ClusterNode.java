package org.icbd.node;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.icbd.cache.BlockCache;
import org.icbd.config.ClusterSettings;
import org.icbd.config.ConfigException;
import org.icbd.config.IcbdConfig;
import org.icbd.failover.ClusterPaths;
import org.icbd.failover.IpCommandVirtualIp;
import org.icbd.failover.LeaderElection;
import org.icbd.failover.ServingListener;
import org.icbd.failover.VirtualIp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of an active-passive cluster: takes part in the election and serves the configuration's
 * targets on the virtual IP while, and only while, it leads. Leading: the VIP is added (and announced)
 * and the portal opened on it. Stopping (leadership lost, ZooKeeper connection suspended, shutdown):
 * every session is dropped and the portal closed, then the VIP removed.
 */
public final class ClusterNode implements ServingListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

    private final IcbdConfig config;
    private final ClusterSettings cluster;
    private final BlockCache cache;
    private final MeterRegistry meters;
    private final VirtualIp vip;
    private final CuratorFramework zk;
    private final LeaderElection election;
    private final AtomicLong epoch = new AtomicLong();
    /** Only touched by the election's event thread (lead/stopServing) and after it stopped (close). */
    private IscsiService service;

    private ClusterNode(IcbdConfig config, BlockCache cache, MeterRegistry meters, VirtualIp vip) {
        this.config = config;
        this.cluster = config.cluster().orElseThrow();
        this.cache = cache;
        this.meters = meters;
        this.vip = vip;
        int timeout = (int) cluster.sessionTimeout().toMillis();
        this.zk = CuratorFrameworkFactory.builder().connectString(cluster.zookeeper())
                .sessionTimeoutMs(timeout).connectionTimeoutMs(timeout)
                .retryPolicy(new ExponentialBackoffRetry(100, 29, 1000))
                .build();
        this.election = new LeaderElection(zk, new ClusterPaths(cluster.name()), cluster.node(), this);
        Gauge.builder("icbd_cluster_serving_epoch", epoch, AtomicLong::get)
                .description("epoch this node leads and serves in; 0 while it stands by").register(meters);
    }

    /**
     * Joins the cluster. The VIP is removed first: a node that crashed while leading may still have it
     * configured, and only the leader of the current epoch may hold it.
     */
    public static ClusterNode start(IcbdConfig config, BlockCache cache, MeterRegistry meters) throws ConfigException {
        ClusterSettings c = config.cluster().orElseThrow();
        VirtualIp vip;
        try {
            vip = new IpCommandVirtualIp(c.virtualIp(), c.iface(), List.of());
            vip.release();
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cluster.virtual-ip", "cannot manage " + c.virtualIp() + " on " + c.iface() + ": " + e.getMessage(), e);
        }
        ClusterNode node = new ClusterNode(config, cache, meters, vip);
        node.zk.start();
        try {
            node.election.start();
        } catch (Exception e) {
            node.close();
            throw new ConfigException("cluster.zookeeper", "cannot join the election at " + c.zookeeper() + ": " + e.getMessage(), e);
        }
        log.info("node {} joined cluster {} (ZooKeeper {}, session timeout {} ms); standing by until elected",
                c.node(), c.name(), c.zookeeper(), c.sessionTimeout().toMillis());
        return node;
    }

    @Override
    public void lead(long newEpoch) throws Exception {
        vip.acquire();
        try {
            service = IscsiService.open(config, cache, meters);
        } catch (ConfigException | RuntimeException e) {
            vip.release();
            throw e;
        }
        epoch.set(newEpoch);
        log.info("serving cluster {} on {} in epoch {}", cluster.name(), service.portals(), newEpoch);
    }

    @Override
    public void stopServing(String reason) {
        IscsiService s = service;
        service = null;
        if (s == null) return;
        epoch.set(0);
        try {
            s.close();
        } finally {
            try {
                vip.release();
            } catch (IOException e) {
                log.error("could not remove the virtual IP {}: {}", cluster.virtualIp(), e.getMessage());
            }
        }
        log.warn("stopped serving: {}", reason);
    }

    public ClusterSettings settings() {
        return cluster;
    }

    @Override
    public void close() {
        try {
            election.close(); // its last act is stopServing, on its own thread
        } catch (IOException e) {
            log.warn("leaving the election: {}", e.getMessage());
        }
        zk.close();
    }
}
