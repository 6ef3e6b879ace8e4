package org.icbd.iscsi;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An iSCSI portal: accepts connections and runs sessions against a {@link TargetRegistry}.
 * One virtual thread reads each connection, one writes it, one runs each command.
 */
public final class IscsiServer implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(IscsiServer.class);
    static final int TPGT = 1;

    private final IscsiSettings settings;
    private final TargetRegistry registry;
    private final IscsiMetrics metrics;
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tsih = new AtomicInteger();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "iscsi-ticker");
        t.setDaemon(true);
        return t;
    });
    private final Semaphore memoryBudget;
    private volatile ServerSocketChannel listener;
    private volatile boolean closed;

    public IscsiServer(IscsiSettings settings, TargetRegistry registry, MeterRegistry meters) {
        this.settings = settings;
        this.registry = registry;
        this.metrics = new IscsiMetrics(meters, sessions::size);
        // data buffers of all commands in flight share a quarter of the heap (at least two maximal commands)
        long quarterHeap = Runtime.getRuntime().maxMemory() / 4;
        this.memoryBudget = new Semaphore((int) Math.max(2L * settings.maxCommandBytes(), Math.min(quarterHeap, 1L << 30)));
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
            try {
                SocketChannel s = ch.accept();
                s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                s.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                Connection c = new Connection(this, s);
                connections.add(c);
                Thread.ofVirtual().name("iscsi-reader").start(c);
            } catch (IOException e) {
                if (!closed) log.warn("accept failed: {}", e.toString());
                if (!ch.isOpen()) return;
            }
        }
    }

    private void tick() {
        long now = System.nanoTime();
        for (Connection c : connections) {
            try {
                c.tick(now);
            } catch (RuntimeException e) {
                log.warn("tick failed", e);
            }
        }
    }

    public InetSocketAddress boundAddress() {
        try {
            return (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("portal not bound", e);
        }
    }

    public int sessionCount() {
        return sessions.size();
    }

    /** Stops accepting, closes every session; data is flushed by the caller closing its devices. */
    @Override
    public void close() {
        closed = true;
        ticker.shutdownNow();
        try {
            if (listener != null) listener.close();
        } catch (IOException e) {
            log.debug("closing listener: {}", e.toString());
        }
        for (Connection c : connections) c.close("server stopping");
        for (Connection c : connections) c.awaitTasks(java.time.Duration.ofSeconds(10));
        metrics.close();
    }

    /** Bytes of command data the whole portal may hold at once; a write that does not fit gets TASK SET FULL. */
    Semaphore memoryBudget() {
        return memoryBudget;
    }

    /** PREEMPT AND ABORT: aborts every task of {@code nexus} on {@code lun}, in whichever session holds it. */
    void abortTasksOf(long lun, org.icbd.scsi.Nexus nexus) {
        for (Session s : sessions.values()) {
            if (nexus.equals(s.nexus)) s.connection.abortWhere(s, task -> task.command.lun() == lun);
        }
    }

    IscsiSettings settings() {
        return settings;
    }

    TargetRegistry registry() {
        return registry;
    }

    IscsiMetrics metrics() {
        return metrics;
    }

    int nextTsih() {
        int t;
        do {
            t = tsih.incrementAndGet() & 0xFFFF;
        } while (t == 0);
        return t;
    }

    /** Registers a new session; returns the one it replaces (same initiator, ISID and target). */
    Session register(Session s) {
        return sessions.put(s.key, s);
    }

    void unregister(Session s) {
        sessions.remove(s.key, s);
    }

    /** Ends every session on target {@code iqn} (removed, or its disk reset for a reboot, while the node runs). */
    public void endSessionsOf(String iqn) {
        sessions.values().stream().filter(s -> s.target != null && s.target.iqn().equalsIgnoreCase(iqn)).forEach(s -> s.connection.close("target " + iqn + " ended"));
    }

    List<Session> sessionsOf(ExportedTarget target) {
        return sessions.values().stream().filter(s -> s.target != null && s.target.iqn().equals(target.iqn())).toList();
    }

    void connectionClosed(Connection c) {
        connections.remove(c);
    }
}
