package org.icbd.iscsi;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An iSCSI portal: accepts connections and runs their sessions in the node's {@link SessionRegistry}.
 * One virtual thread reads each connection, one writes it, one runs each command; the accept thread
 * and the ticker are shared, so nothing a connection does may reach them.
 */
public final class IscsiServer implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(IscsiServer.class);
    static final int TPGT = 1;

    private final SessionRegistry sessions;
    private final boolean ownsSessions;
    private final LongSupplier clock;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "iscsi-ticker");
        t.setDaemon(true);
        return t;
    });
    private volatile ServerSocketChannel listener;
    private volatile boolean closed;

    /** A portal of the node whose sessions {@code sessions} holds (shared with its other portals). */
    public IscsiServer(SessionRegistry sessions) {
        this(sessions, false, System::nanoTime);
    }

    /** A node with this one portal. */
    public IscsiServer(IscsiSettings settings, TargetRegistry registry, MeterRegistry meters) {
        this(new SessionRegistry(settings, registry, meters), true, System::nanoTime);
    }

    /** A node with this one portal that answers only while {@code gate} allows (a cluster leader's lease). */
    public IscsiServer(IscsiSettings settings, TargetRegistry registry, ServingGate gate, MeterRegistry meters) {
        this(new SessionRegistry(settings, registry, gate, meters), true, System::nanoTime);
    }

    /** @param clock nanoseconds for timeouts; tests pass a virtual clock and call {@link #tick()} themselves */
    IscsiServer(SessionRegistry sessions, boolean ownsSessions, LongSupplier clock) {
        this.sessions = sessions;
        this.ownsSessions = ownsSessions;
        this.clock = clock;
    }

    /** Binds the portal (port 0 picks a free one) and starts accepting. */
    public void start(InetSocketAddress portal) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ch.bind(portal, 128);
        listener = ch;
        Thread.ofPlatform().daemon().name("iscsi-accept-" + ch.getLocalAddress()).start(this::acceptLoop);
        ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
        log.info("iSCSI portal listening on {}", ch.getLocalAddress());
    }

    private void acceptLoop() {
        ServerSocketChannel ch = listener;
        while (!closed) {
            SocketChannel s = null;
            try {
                s = ch.accept();
                s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                s.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                serve(s);
            } catch (IOException e) {
                if (!closed) log.warn("accept failed: {}", e.toString());
                if (!ch.isOpen()) return;
            } catch (RuntimeException | OutOfMemoryError e) {
                // this one connection could not be set up; the portal goes on accepting
                log.warn("cannot serve a new connection: {}", e.toString());
                closeQuietly(s);
            }
        }
    }

    /** Runs a connection over {@code channel} (accepted here, or handed in by a test). */
    Connection serve(SocketChannel channel) {
        Connection[] self = new Connection[1];
        Connection c = new Connection(sessions, channel, clock, () -> connections.remove(self[0]));
        self[0] = c;
        connections.add(c);
        Thread.ofVirtual().name("iscsi-reader").start(c);
        return c;
    }

    private static void closeQuietly(SocketChannel s) {
        if (s == null) return;
        try {
            s.close();
        } catch (IOException e) {
            log.debug("close failed: {}", e.toString());
        }
    }

    /** One round of every connection's timers; an error in one never stops the others or the ticker. */
    void tick() {
        try {
            long now = clock.getAsLong();
            for (Connection c : connections) {
                try {
                    c.tick(now);
                } catch (RuntimeException | OutOfMemoryError e) {
                    log.warn("timer of a connection failed; closing it: {}", e.toString());
                    c.close("timer failed");
                }
            }
        } catch (Throwable e) {
            // a scheduled task that throws is never run again: the ticker must survive anything
            log.warn("ticker round failed: {}", e.toString());
        }
    }

    public InetSocketAddress boundAddress() {
        try {
            return (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("portal not bound", e);
        }
    }

    /** Sessions of the whole node (every portal sharing this one's registry). */
    public int sessionCount() {
        return sessions.sessionCount();
    }

    /**
     * Stops accepting and closes every connection at once, without waiting for anything: commands in
     * flight are aborted and never answered.
     */
    public void stopAnswering() {
        closed = true;
        ticker.shutdownNow();
        try {
            if (listener != null) listener.close();
        } catch (IOException e) {
            log.debug("closing listener: {}", e.toString());
        }
        for (Connection c : connections) c.close("server stopping");
    }

    /** Stops accepting, closes every connection of this portal; data is flushed by the caller closing its devices. */
    @Override
    public void close() {
        List<Connection> open = List.copyOf(connections); // a closed connection leaves the set at once
        stopAnswering();
        for (Connection c : open) c.awaitTasks(Duration.ofSeconds(10));
        if (ownsSessions) sessions.close();
    }

    long budgetAvailable() {
        return sessions.budget().available();
    }

    long budgetCapacity() {
        return sessions.budget().capacity();
    }

    /** Reply bytes waiting in this portal's connections' writers. */
    long queuedReplyBytes() {
        return connections.stream().mapToLong(Connection::queuedReplyBytes).sum();
    }
}
