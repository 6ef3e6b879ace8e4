package org.icbd.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.icbd.admin.AdminApi;
import org.icbd.admin.AdminToken;
import org.icbd.admin.ImportSources;
import org.icbd.admin.Meters;
import org.icbd.config.AdminSettings;
import org.icbd.volume.VolumeLayout;
import org.icbd.volume.VolumeManager;
import org.icbd.cache.BlockCache;
import org.icbd.admin.MetricsEndpoint;
import org.icbd.config.ConfigException;
import org.icbd.config.HostPort;
import org.icbd.config.IcbdConfig;
import org.icbd.config.LunConfig;
import org.icbd.config.StaticTargetRegistry;
import org.icbd.config.TargetConfig;
import org.icbd.config.WorkstationSettings;
import org.icbd.workstation.MinFreeSpace;
import org.icbd.workstation.Workstations;
import org.icbd.node.Addresses;
import org.icbd.node.LunStack;
import org.icbd.node.ClusterDataRoot;
import org.icbd.node.ClusterNode;
import org.icbd.node.IscsiService;
import org.icbd.node.NodeVolumes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A configuration being served: the targets (on every portal, or, in a cluster, on the virtual IP
 * while this node leads), the metrics endpoint and the admin API. Closing it stops in the order that
 * loses no data: portals first (no new commands), then devices (flushed, closed), then metrics.
 */
final class RunningAppliance implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunningAppliance.class);

    private final IcbdConfig config;
    private final Meters meters;
    /** Exactly one of these two: a single node's targets, or the cluster membership that serves them when elected. */
    private final IscsiService service;
    private final ClusterNode cluster;
    private final MetricsEndpoint metrics;
    private final AdminApi admin;
    private final NodeVolumes volumes;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private RunningAppliance(IcbdConfig config, Meters meters, IscsiService service, ClusterNode cluster,
                             MetricsEndpoint metrics, AdminApi admin, NodeVolumes volumes) {
        this.config = config;
        this.meters = meters;
        this.service = service;
        this.cluster = cluster;
        this.metrics = metrics;
        this.admin = admin;
        this.volumes = volumes;
    }

    /** Opens every LUN and starts listening (or joins the cluster); on any failure, releases what it had opened. */
    static RunningAppliance start(IcbdConfig config) throws ConfigException {
        return start(config, () -> config, false);
    }

    /**
     * A node serving its configuration file: the catalog's LUN maps of its targets change while it serves.
     *
     * @param reload the configuration read again (a cluster node resolves its LUNs anew when it starts to lead)
     */
    static RunningAppliance start(IcbdConfig config, ClusterNode.Reload reload) throws ConfigException {
        return start(config, reload, true);
    }

    /**
     * @param liveLunMaps whether 'icbd lun map' applies to the running node (not for 'icbd export' and 'demo',
     *                    which serve what their command line names and must not take over the data root's socket)
     */
    private static RunningAppliance start(IcbdConfig config, ClusterNode.Reload reload, boolean liveLunMaps) throws ConfigException {
        Meters meters = new Meters();
        BlockCache cache = config.cache().enabled()
                ? new BlockCache(config.cache().maxBytes(), config.cache().chunkSize(), meters.registry()) : null;
        IscsiService service = null;
        ClusterNode cluster = null;
        MetricsEndpoint metrics = null;
        NodeVolumes volumes = null;
        try {
            if (config.cluster().isPresent()) {
                // every read-only LUN here (a version) must open; versions and writable clones not here yet arrive
                // by replication and are opened when this node leads (it may not lead before they are here)
                StaticTargetRegistry.open(config.targets().stream().map(TargetConfig::readOnlyPart).map(TargetConfig::presentPart).toList(),
                        config.discoveryChap(), config.iscsi().maxCommandBytes(), LunStack.files()).close();
                cluster = ClusterNode.start(config, reload, cache, meters.registry());
            } else {
                // the data root takes part only when this node serves from it ('icbd export' of plain files does not)
                if (config.workstations().isPresent() || servesClones(config)
                        || liveLunMaps && !config.targets().isEmpty() && Files.exists(new VolumeLayout(config.dataRoot()).catalogFile())) {
                    unmarkCluster(config);
                    volumes = NodeVolumes.open(config.dataRoot(), LunStack.cached(cache));
                }
                NodeVolumes node = volumes;
                service = IscsiService.open(config, node == null ? LunStack.cached(cache) : node.served().opener(),
                        r -> node == null || config.workstations().isEmpty() ? r : node.withWorkstations(r, config.iscsi().maxCommandBytes()),
                        null, meters.registry());
                if (node != null) {
                    if (liveLunMaps) node.applyLunMapsTo(service.configured());
                    if (config.workstations().isPresent()) node.watchSpace(config.workstations().get(), meters.registry());
                    node.servedBy(service);
                    node.listen();
                    if (config.workstations().flatMap(w -> w.boot()).isPresent()) node.startBoot(config.workstations().get(), service.portals().get(0));
                } else if (config.workstations().isPresent()) {
                    throw new ConfigException("data-root", config.dataRoot() + " does not exist; workstations need it (run 'icbd image import' first)");
                }
            }
            if (config.metrics().isPresent()) {
                HostPort m = config.metrics().get();
                try {
                    metrics = MetricsEndpoint.start(Addresses.resolve(m, "metrics"), meters.registry());
                } catch (IOException e) {
                    throw Addresses.cannotListen("metrics " + m, e);
                }
            }
            AdminApi admin = config.admin().isPresent() ? startAdmin(config, volumes, cluster) : null;
            return new RunningAppliance(config, meters, service, cluster, metrics, admin, volumes);
        } catch (ConfigException | RuntimeException e) {
            if (metrics != null) metrics.close();
            if (cluster != null) cluster.close();
            if (service != null) service.close();
            if (volumes != null) volumes.close();
            meters.close();
            throw e;
        }
    }

    /** A data root a cluster node used is this single node's now: its CLI uses the catalog here again. */
    private static void unmarkCluster(IcbdConfig config) throws ConfigException {
        try {
            ClusterDataRoot.unmark(config.dataRoot());
        } catch (IOException e) {
            throw new ConfigException("data-root", "cannot remove the cluster mark from " + config.dataRoot() + ": " + e.getMessage(), e);
        }
    }

    /** True when a LUN of the configuration is a clone in its data root (a reset must then go through this node). */
    private static boolean servesClones(IcbdConfig config) {
        Path clones = new VolumeLayout(config.dataRoot()).clones();
        return config.targets().stream().flatMap(t -> t.luns().stream())
                .anyMatch(l -> !l.readOnly() && l.path().getParent() != null && clones.equals(l.path().getParent().getParent()));
    }

    /**
     * @param node    the data root as this node serves it (its resets switch served clones), or null
     * @param cluster the cluster this node belongs to (the API then changes the cluster's catalog), or null
     */
    private static AdminApi startAdmin(IcbdConfig config, NodeVolumes node, ClusterNode cluster) throws ConfigException {
        AdminSettings a = config.admin().orElseThrow();
        AdminToken token;
        try {
            token = AdminToken.loadOrCreate(a.tokenFile());
        } catch (IOException e) {
            throw new ConfigException("admin.token-file", "cannot read or create " + a.tokenFile() + ": " + e.getMessage(), e);
        }
        VolumeManager volumes;
        try {
            volumes = node != null ? node.volumes() : cluster != null ? cluster.adminVolumes() : VolumeManager.open(config.dataRoot());
        } catch (IOException e) {
            throw new ConfigException("data-root", "cannot open " + config.dataRoot() + ": " + e.getMessage(), e);
        }
        for (Path dir : a.importDirs()) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new ConfigException("admin.import-dirs", "cannot create " + dir + ": " + e.getMessage(), e);
            }
        }
        try {
            // the node's own watch of its free space: below workstations.min-free-mib the API adds no workstation
            MinFreeSpace space = node != null ? node.space() : cluster != null ? cluster.space() : null;
            return AdminApi.start(Addresses.resolve(a.listen(), "admin"), volumes, token, config.workstations()
                    .map(WorkstationSettings::iqnPrefix).orElse(Workstations.DEFAULT_IQN_PREFIX), space, new ImportSources(a.importDirs()));
        } catch (IOException e) {
            throw Addresses.cannotListen("admin " + a.listen(), e);
        }
    }

    /** Addresses the portals are bound to (the real port when 0 was asked for); none on a standing-by cluster node. */
    List<InetSocketAddress> portals() {
        return service == null ? List.of() : service.portals();
    }

    InetSocketAddress metricsAddress() {
        return metrics == null ? null : metrics.boundAddress();
    }

    /** One line for the service manager's status: what this node does now that it has started. */
    String summary() {
        if (cluster != null) {
            var c = cluster.settings();
            return "node " + c.node() + " joined cluster " + c.name() + "; serves on " + c.virtualAddress() + ":"
                    + IcbdConfig.ISCSI_PORT + " while elected leader, stands by otherwise";
        }
        return "serving " + config.targets().size() + " target(s) on " + portals().stream().map(p -> urlHost(p) + ":" + p.getPort()).toList();
    }

    /** The lines an operator needs: where each portal listens and the URL of every LUN. */
    void printAddresses(PrintWriter out) {
        List<InetSocketAddress> portals = portals();
        if (cluster != null) {
            var c = cluster.settings();
            out.println("cluster " + c.name() + ", node " + c.node() + ": serves on " + c.virtualAddress() + ":" + IcbdConfig.ISCSI_PORT
                    + " (" + c.virtualIp() + " on " + c.iface() + ") while elected leader");
            portals = List.of(new InetSocketAddress(c.virtualAddress(), IcbdConfig.ISCSI_PORT));
        }
        for (InetSocketAddress portal : portals) {
            String host = urlHost(portal);
            out.println("listening on " + host + ":" + portal.getPort());
            for (TargetConfig t : config.targets()) {
                for (LunConfig lun : t.luns()) {
                    out.println("  LUN " + lun.lun() + "  iscsi://" + host + ":" + portal.getPort() + "/" + t.iqn() + "/" + lun.lun()
                            + "  " + lun.path() + (lun.readOnly() ? " (read-only)" : ""));
                }
            }
        }
        if (metrics != null) {
            // a configuration without 'metrics:' opens the default address: say so, and how to change it
            boolean byDefault = config.metrics().equals(Optional.of(IcbdConfig.DEFAULT_METRICS));
            out.println("metrics on http://" + urlHost(metrics.boundAddress()) + ":" + metrics.boundAddress().getPort() + "/metrics"
                    + (byDefault ? " (the default; 'metrics: HOST:PORT' moves it, 'metrics: off' turns it off)" : ""));
        }
        if (volumes != null && volumes.bootAddress() != null) {
            out.println("boot endpoint on http://" + urlHost(volumes.bootAddress()) + ":" + volumes.bootAddress().getPort() + "/boot?mac=");
        }
        if (admin != null) {
            out.println("admin API on http://" + urlHost(admin.boundAddress()) + ":" + admin.boundAddress().getPort()
                    + "/api/v1 (bearer token in " + config.admin().orElseThrow().tokenFile() + ")");
        }
        out.flush();
    }

    /** The host part of a URL for a bound address; a wildcard bind is shown as this machine's name. */
    static String urlHost(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        String host;
        if (ip != null && ip.isAnyLocalAddress()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
        } else {
            host = ip != null ? ip.getHostAddress() : a.getHostString();
        }
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    /** Blocks until {@link #close} has finished. */
    void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            if (cluster != null) cluster.close();
            if (service != null) service.close();
            if (volumes != null) volumes.close();
            if (metrics != null) metrics.close();
            if (admin != null) admin.close();
            meters.close();
            int luns = config.targets().stream().mapToInt(t -> t.luns().size()).sum();
            log.info("icbd stopped: portals closed, {} LUN(s) flushed and closed", luns);
        } finally {
            stopped.countDown();
        }
    }
}
