package org.icbd.failover;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when this node serves. A Curator {@link LeaderLatch} (not LeaderSelector: a storage
 * leader holds leadership for as long as it is healthy, it does not run a task and give it back)
 * plus the connection state: a leader whose ZooKeeper connection is SUSPENDED stops serving at once,
 * before its session can expire and another node can win, and a new leadership always takes a new
 * {@link Epochs epoch} before {@link ServingListener#lead} is called.
 *
 * <p>All listener calls run on one single-threaded executor, so lead and stop never overlap and
 * arrive in order. A stop that arrives while lead is still starting waits for it and then undoes it.
 */
public final class LeaderElection implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

    /** Why this node may not lead now (empty: it may); asked each time it wins the latch. */
    public interface Eligibility {
        Optional<String> whyNot() throws Exception;
    }

    private static final Duration STEP_ASIDE = Duration.ofSeconds(1);

    private final CuratorFramework zk;
    private final String latchPath;
    private final String nodeId;
    private final Eligibility eligibility;
    /** Replaced when this node steps aside (a closed latch cannot start again). */
    private volatile LeaderLatch latch;
    /** Guarded by the events thread: the last reason given for stepping aside, said once. */
    private String lastRefusal;
    private final Epochs epochs;
    private final ServingListener listener;
    private final ExecutorService events = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "icbd-leadership");
        t.setDaemon(true);
        return t;
    });
    private final ConnectionStateListener connection = this::connectionChanged;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Guarded by the events thread: starts that failed in a row (each doubles the pause before trying again, up to 32 s). */
    private int failedStarts;
    /** Guarded by the events thread: the epoch this node serves in, 0 when not serving. */
    private long serving;

    public LeaderElection(CuratorFramework zk, ClusterPaths paths, String nodeId, ServingListener listener) {
        this(zk, paths, nodeId, Optional::empty, listener);
    }

    /**
     * @param eligibility asked when this node wins: a node that may not lead (it lacks acknowledged
     *                    writes) steps aside, leaving the latch to the others, and joins again a second later
     */
    public LeaderElection(CuratorFramework zk, ClusterPaths paths, String nodeId, Eligibility eligibility, ServingListener listener) {
        this.zk = zk;
        this.latchPath = paths.leader();
        this.nodeId = nodeId;
        this.eligibility = eligibility;
        this.latch = new LeaderLatch(zk, latchPath, nodeId);
        this.epochs = new Epochs(zk, paths);
        this.listener = listener;
    }

    public void start() throws Exception {
        zk.getConnectionStateListenable().addListener(connection);
        startLatch();
    }

    private void startLatch() throws Exception {
        LeaderLatch latch = this.latch;
        latch.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                post(LeaderElection.this::becomeLeader);
            }

            @Override
            public void notLeader() {
                post(() -> stop("leadership lost"));
            }
        }, events);
        latch.start();
    }

    private void connectionChanged(CuratorFramework client, ConnectionState state) {
        if (state == ConnectionState.SUSPENDED || state == ConnectionState.LOST) {
            // the next leader may be elected once our session expires, and by then this node must be
            // silent: stop now, not when the latch gets round to telling us (it may never, if ZooKeeper
            // is unreachable). The events thread is idle unless lead() is starting, which is bounded.
            post(() -> stop("ZooKeeper connection " + state));
        }
    }

    /** Queues a leadership event; after {@link #close} there is nothing left to tell. */
    private void post(Runnable event) {
        try {
            events.execute(event);
        } catch (RejectedExecutionException closed) {
            // shut down: the final stop has been queued already
        }
    }

    private void becomeLeader() {
        if (!latch.hasLeadership() || !zk.getZookeeperClient().isConnected()) return;
        try {
            Optional<String> no = eligibility.whyNot();
            if (no.isPresent()) {
                stepAside(no.get());
                return;
            }
            if (lastRefusal != null) log.info("this node may lead again");
            lastRefusal = null;
            long epoch = epochs.next();
            if (!latch.hasLeadership()) return; // lost it while taking the epoch
            serving = epoch;
            log.info("leading in epoch {}", epoch);
            listener.lead(epoch);
            failedStarts = 0;
        } catch (Exception e) {
            // another node may start where this one cannot (a port taken, a disk full); if none can, this
            // one tries again, less often each time, so a passing fault does not leave the cluster unserved
            Duration pause = STEP_ASIDE.multipliedBy(1L << Math.min(failedStarts++, 5));
            log.error("could not start serving as leader; standing aside for {} s", pause.toSeconds(), e);
            stop("failed to start serving: " + e);
            leave(pause);
        }
    }

    /** Leaves the latch to the other nodes and joins again a second later (at the back of the queue). */
    private void stepAside(String why) {
        if (!why.equals(lastRefusal)) log.warn("won the election but may not lead: {}; standing aside", why);
        lastRefusal = why;
        leave(STEP_ASIDE);
    }

    private void leave(Duration pause) {
        try {
            latch.close(LeaderLatch.CloseMode.SILENT);
        } catch (IOException | IllegalStateException e) {
            // the latch node goes away with the session anyway
        }
        Thread.ofVirtual().name("icbd-rejoin").start(() -> {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            }
            post(() -> {
                if (closed.get()) return;
                latch = new LeaderLatch(zk, latchPath, nodeId);
                try {
                    startLatch();
                } catch (Exception e) {
                    log.error("could not join the election again", e);
                }
            });
        });
    }

    private void stop(String reason) {
        if (serving != 0) log.warn("stopping service of epoch {}: {}", serving, reason);
        serving = 0;
        listener.stopServing(reason);
    }

    /**
     * This node can no longer tell that it still leads in {@code epoch} (its lease lapsed): it stops
     * serving and leaves the latch to the others, joining again a moment later. Ignored when it no longer
     * serves in that epoch.
     */
    public void abdicate(long epoch, String why) {
        post(() -> {
            if (serving != epoch) return;
            stop(why);
            if (!closed.get()) leave(STEP_ASIDE);
        });
    }

    /** The epoch this node currently serves in, or 0. Consistent with the listener calls made so far. */
    public long servingEpoch() throws Exception {
        return events.submit(() -> serving).get();
    }

    public boolean hasLeadership() {
        return latch.hasLeadership();
    }

    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) return;
        zk.getConnectionStateListenable().removeListener(connection);
        try {
            latch.close();
        } catch (IllegalStateException stepAside) {
            // closed while standing aside
        } finally {
            post(() -> stop("node shutting down"));
            events.shutdown();
            try {
                // the caller may exit next: the node must be silent (VIP gone) before close returns
                if (!events.awaitTermination(30, TimeUnit.SECONDS)) log.error("stopping service took over 30 s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
