package org.icbd.node;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.icbd.cache.BlockCache;
import org.icbd.config.ConfigException;
import org.icbd.config.HostPort;
import org.icbd.config.IcbdConfig;
import org.icbd.config.StaticTargetRegistry;
import org.icbd.iscsi.IscsiServer;
import org.icbd.iscsi.ServingGate;
import org.icbd.iscsi.SessionRegistry;
import org.icbd.iscsi.TargetRegistry;
import org.icbd.scsi.ReservationStore;

/**
 * The configuration's targets, opened and listening on every portal. Closing it drops every session
 * and then flushes and closes the LUNs, so nothing written is lost and nothing is served after.
 */
public final class IscsiService implements AutoCloseable {

    private final StaticTargetRegistry registry;
    private final SessionRegistry sessions;
    private final List<IscsiServer> servers;

    private IscsiService(StaticTargetRegistry registry, SessionRegistry sessions, List<IscsiServer> servers) {
        this.registry = registry;
        this.sessions = sessions;
        this.servers = servers;
    }

    /** Opens every LUN and starts listening; on any failure, releases what it had opened. */
    public static IscsiService open(IcbdConfig config, BlockCache cache, MeterRegistry meters) throws ConfigException {
        return open(config, LunStack.cached(cache), r -> r, null, meters);
    }

    /**
     * Opens every LUN with {@code opener}; the portals see the targets through {@code view} (which may
     * refuse logins to some of them for now).
     *
     * @param reservations where persistent reservations are kept beyond this process, or null
     */
    public static IscsiService open(IcbdConfig config, StaticTargetRegistry.DeviceOpener opener,
                                    UnaryOperator<TargetRegistry> view, ReservationStore reservations,
                                    MeterRegistry meters) throws ConfigException {
        return open(config, opener, view, reservations, ServingGate.ALWAYS, meters);
    }

    /** @param gate asked before a command runs and before every answer leaves (a cluster leader's lease) */
    public static IscsiService open(IcbdConfig config, StaticTargetRegistry.DeviceOpener opener,
                                    UnaryOperator<TargetRegistry> view, ReservationStore reservations,
                                    ServingGate gate, MeterRegistry meters) throws ConfigException {
        StaticTargetRegistry registry = StaticTargetRegistry.open(config.targets(), config.discoveryChap(),
                config.iscsi().maxCommandBytes(), opener);
        TargetRegistry seen = view.apply(registry);
        List<IscsiServer> servers = new ArrayList<>();
        // one session registry for every portal: reinstatement, max-sessions, resets and PREEMPT AND ABORT see the node
        SessionRegistry sessions = new SessionRegistry(config.iscsi(), seen, gate, meters);
        try {
            if (reservations != null) {
                try {
                    registry.keepReservationsIn(reservations);
                } catch (IOException e) {
                    throw new ConfigException("cluster", "cannot read the persistent reservations: " + e.getMessage(), e);
                }
            }
            for (HostPort portal : config.portals()) {
                IscsiServer server = new IscsiServer(sessions);
                servers.add(server);
                try {
                    server.start(Addresses.resolve(portal, "portal"));
                } catch (IOException e) {
                    throw Addresses.cannotListen("portal " + portal, e);
                }
            }
            return new IscsiService(registry, sessions, List.copyOf(servers));
        } catch (ConfigException | RuntimeException e) {
            servers.forEach(IscsiServer::close);
            sessions.close();
            registry.close();
            throw e;
        }
    }

    /** The configuration's targets, opened (their catalog LUN maps may change while they serve). */
    public StaticTargetRegistry configured() {
        return registry;
    }

    /** Addresses the portals are bound to (the real port when 0 was asked for). */
    public List<InetSocketAddress> portals() {
        return servers.stream().map(IscsiServer::boundAddress).toList();
    }

    /** Sessions of the node, through every portal. */
    public int sessionCount() {
        return sessions.sessionCount();
    }

    /** Closes the portals and drops every session at once; in-flight commands are never answered. */
    public void stopAnswering() {
        servers.forEach(IscsiServer::stopAnswering);
    }

    /** Ends the sessions on target {@code iqn}, whichever portal they came through. */
    public void endSessionsOf(String iqn) {
        sessions.endSessionsOf(iqn);
    }

    @Override
    public void close() {
        try {
            servers.forEach(IscsiServer::close);
            sessions.close();
        } finally {
            registry.close();
        }
    }
}
