package org.icbd.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.icbd.admin.AdminApi;
import org.icbd.admin.AdminToken;
import org.icbd.admin.Meters;
import org.icbd.config.AdminSettings;
import org.icbd.volume.VolumeManager;
import org.icbd.cache.BlockCache;
import org.icbd.admin.MetricsEndpoint;
import org.icbd.config.ConfigException;
import org.icbd.config.HostPort;
import org.icbd.config.IcbdConfig;
import org.icbd.config.LunConfig;
import org.icbd.config.StaticTargetRegistry;
import org.icbd.config.TargetConfig;
import org.icbd.iscsi.IscsiServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A configuration being served: the opened targets, one iSCSI portal per configured address,
 * and the metrics endpoint. Closing it stops in the order that loses no data: portals first
 * (no new commands), then devices (flushed, closed), then metrics.
 */
final class RunningAppliance implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunningAppliance.class);

    private final IcbdConfig config;
    private final StaticTargetRegistry registry;
    private final Meters meters;
    private final List<IscsiServer> servers;
    private final MetricsEndpoint metrics;
    private final AdminApi admin;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private RunningAppliance(IcbdConfig config, StaticTargetRegistry registry, Meters meters, List<IscsiServer> servers,
                             MetricsEndpoint metrics, AdminApi admin) {
        this.config = config;
        this.registry = registry;
        this.meters = meters;
        this.servers = servers;
        this.metrics = metrics;
        this.admin = admin;
    }

    /** Opens every LUN and starts listening; on any failure, releases what it had opened. */
    static RunningAppliance start(IcbdConfig config) throws ConfigException {
        Meters meters = new Meters();
        BlockCache cache = config.cache().enabled()
                ? new BlockCache(config.cache().maxBytes(), config.cache().chunkSize(), meters.registry()) : null;
        StaticTargetRegistry registry;
        try {
            registry = StaticTargetRegistry.open(config, cache);
        } catch (ConfigException | RuntimeException e) {
            meters.close();
            throw e;
        }
        List<IscsiServer> servers = new ArrayList<>();
        try {
            for (HostPort portal : config.portals()) {
                IscsiServer server = new IscsiServer(config.iscsi(), registry, meters.registry());
                servers.add(server);
                try {
                    server.start(resolve(portal, "portal"));
                } catch (IOException e) {
                    throw cannotListen("portal " + portal, e);
                }
            }
            MetricsEndpoint metrics = null;
            if (config.metrics().isPresent()) {
                HostPort m = config.metrics().get();
                try {
                    metrics = MetricsEndpoint.start(resolve(m, "metrics"), meters.registry());
                } catch (IOException e) {
                    throw cannotListen("metrics " + m, e);
                }
            }
            AdminApi admin = null;
            if (config.admin().isPresent()) {
                try {
                    admin = startAdmin(config);
                } catch (ConfigException | RuntimeException e) {
                    if (metrics != null) metrics.close();
                    throw e;
                }
            }
            return new RunningAppliance(config, registry, meters, List.copyOf(servers), metrics, admin);
        } catch (ConfigException | RuntimeException e) {
            servers.forEach(IscsiServer::close);
            registry.close();
            meters.close();
            throw e;
        }
    }

    private static AdminApi startAdmin(IcbdConfig config) throws ConfigException {
        AdminSettings a = config.admin().orElseThrow();
        AdminToken token;
        try {
            token = AdminToken.loadOrCreate(a.tokenFile());
        } catch (IOException e) {
            throw new ConfigException("admin.token-file", "cannot read or create " + a.tokenFile() + ": " + e.getMessage(), e);
        }
        VolumeManager volumes;
        try {
            volumes = VolumeManager.open(config.dataRoot());
        } catch (IOException e) {
            throw new ConfigException("data-root", "cannot open " + config.dataRoot() + ": " + e.getMessage(), e);
        }
        try {
            return AdminApi.start(resolve(a.listen(), "admin"), volumes, token);
        } catch (IOException e) {
            throw cannotListen("admin " + a.listen(), e);
        }
    }

    private static ConfigException cannotListen(String where, IOException e) {
        String hint = e instanceof java.net.BindException
                ? " (another process uses it, or the address is not on this machine; pick another with --portal / --metrics or the config file)"
                : "";
        return new ConfigException(where, "cannot listen: " + e.getMessage() + hint, e);
    }

    private static InetSocketAddress resolve(HostPort address, String what) throws ConfigException {
        InetSocketAddress a = address.toSocketAddress();
        if (a.isUnresolved()) throw new ConfigException(what + " " + address, "unknown host " + address.host());
        return a;
    }

    /** Addresses the portals are bound to (the real port when 0 was asked for). */
    List<InetSocketAddress> portals() {
        return servers.stream().map(IscsiServer::boundAddress).toList();
    }

    InetSocketAddress metricsAddress() {
        return metrics == null ? null : metrics.boundAddress();
    }

    /** The lines an operator needs: where each portal listens and the URL of every LUN. */
    void printAddresses(PrintWriter out) {
        for (InetSocketAddress portal : portals()) {
            String host = urlHost(portal);
            out.println("listening on " + host + ":" + portal.getPort());
            for (TargetConfig t : config.targets()) {
                for (LunConfig lun : t.luns()) {
                    out.println("  LUN " + lun.lun() + "  iscsi://" + host + ":" + portal.getPort() + "/" + t.iqn() + "/" + lun.lun()
                            + "  " + lun.path() + (lun.readOnly() ? " (read-only)" : ""));
                }
            }
        }
        if (metrics != null) out.println("metrics on http://" + urlHost(metrics.boundAddress()) + ":" + metrics.boundAddress().getPort() + "/metrics");
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
            servers.forEach(IscsiServer::close);
            registry.close();
            if (metrics != null) metrics.close();
            if (admin != null) admin.close();
            meters.close();
            int luns = config.targets().stream().mapToInt(t -> t.luns().size()).sum();
            log.info("icbd stopped: {} portal(s) closed, {} LUN(s) flushed and closed", servers.size(), luns);
        } finally {
            stopped.countDown();
        }
    }
}
