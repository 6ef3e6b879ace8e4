package org.icbd.failover;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a leader's {@link ServingLease} confirmed: several times per lease it reads the cluster's epoch
 * on the very ZooKeeper session that won the election (a new session, made after the old one expired,
 * confirms nothing) and, when the epoch is still this leadership's, confirms the lease from the moment
 * the read was sent. When the lease lapses anyway (ZooKeeper unreachable or slow, or this process was
 * paused), {@code lapsed} is told once: the node must stop serving, because its session may expire at
 * any moment and another node lead.
 */
public final class LeaseKeeper implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

    private final CuratorFramework zk;
    private final String epochPath;
    private final long epoch;
    private final long session;
    private final ServingLease lease;
    private final Heartbeat heartbeat;
    private final Consumer<String> lapsed;
    private final AtomicBoolean told = new AtomicBoolean();
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "icbd-lease");
        t.setDaemon(true);
        return t;
    });

    /** Told of each confirmation (the VIP's guard is); a failure ends the lease as a lapse does. */
    @FunctionalInterface
    public interface Heartbeat {
        void beat() throws IOException;
    }

    private LeaseKeeper(CuratorFramework zk, ClusterPaths paths, long epoch, long session, ServingLease lease,
                        Heartbeat heartbeat, Consumer<String> lapsed) {
        this.heartbeat = heartbeat;
        this.zk = zk;
        this.epochPath = paths.epoch();
        this.epoch = epoch;
        this.session = session;
        this.lease = lease;
        this.lapsed = lapsed;
    }

    /**
     * Grants {@code lease} for {@code epoch} after one synchronous confirmation, then keeps it.
     *
     * @throws IllegalStateException when ZooKeeper says another epoch is current (this node was deposed already)
     */
    public static LeaseKeeper start(CuratorFramework zk, ClusterPaths paths, long epoch, ServingLease lease,
                                    Heartbeat heartbeat, Consumer<String> lapsed) throws Exception {
        ZooKeeper handle = zk.getZookeeperClient().getZooKeeper();
        long sentAt = System.nanoTime();
        long current = Epochs.decode(handle.getData(paths.epoch(), false, null));
        if (current != epoch) throw new IllegalStateException("epoch " + current + " is current, not " + epoch + ": deposed already");
        lease.grant(epoch, sentAt);
        LeaseKeeper k = new LeaseKeeper(zk, paths, epoch, handle.getSessionId(), lease, heartbeat, lapsed);
        long tick = Math.max(10, lease.duration().toMillis() / 8);
        k.timer.scheduleWithFixedDelay(k::renew, tick, tick, TimeUnit.MILLISECONDS);
        k.timer.scheduleWithFixedDelay(k::watch, tick, Math.max(5, tick / 4), TimeUnit.MILLISECONDS);
        return k;
    }

    /** Sends one confirming read; its answer (on ZooKeeper's event thread) extends the lease. */
    private void renew() {
        try {
            ZooKeeper handle = zk.getZookeeperClient().getZooKeeper();
            if (handle.getSessionId() != session) return; // the leading session is gone: nothing can confirm it
            long sentAt = System.nanoTime();
            handle.getData(epochPath, false, (rc, path, ctx, data, stat) -> {
                if (rc != KeeperException.Code.OK.intValue()) return;
                long current = Epochs.decode(data);
                if (current != epoch) {
                    lapse("epoch " + current + " is current in ZooKeeper, this node leads " + epoch);
                    return;
                }
                // the beat first: whoever counts from it (the VIP guard) then never runs out before the lease does
                try {
                    heartbeat.beat();
                } catch (IOException e) {
                    lapse(e.getMessage());
                    return;
                }
                lease.confirm(epoch, sentAt);
            }, null);
        } catch (Exception e) {
            log.debug("lease renewal not sent: {}", e.toString());
        }
    }

    private void watch() {
        if (!lease.valid()) lapse("leadership not confirmed by ZooKeeper for " + lease.duration().toMillis() + " ms (lease lapsed)");
    }

    private void lapse(String why) {
        if (lease.epoch() == epoch) lease.revoke();
        if (told.compareAndSet(false, true)) {
            timer.shutdown();
            lapsed.accept(why);
        }
    }

    @Override
    public void close() {
        told.set(true);
        timer.shutdownNow();
    }

    /** The session timeout ZooKeeper granted (it may clamp what was asked), or {@code asked} when unknown. */
    public static Duration negotiatedTimeout(CuratorFramework zk, Duration asked) {
        try {
            int ms = zk.getZookeeperClient().getZooKeeper().getSessionTimeout();
            return ms > 0 && ms < asked.toMillis() ? Duration.ofMillis(ms) : asked;
        } catch (Exception e) {
            return asked;
        }
    }
}
