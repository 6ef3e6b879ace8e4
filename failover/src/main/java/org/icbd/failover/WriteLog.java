package org.icbd.failover;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's synchronous write log: every write to a synchronously replicated volume goes to every
 * connected standby ({@link LogShipper}), and is acknowledged to the initiator only once each of them
 * has it, or has been taken out of sync in ZooKeeper ({@link SyncState}) first.
 *
 * <p>A standby becomes in sync for a volume when it acknowledges a checkpoint whose marker went down
 * its current connection: from then on it holds the checkpoint plus every later write. It drops out
 * when its connection breaks or it is slower to acknowledge than the timeout; it comes back by the
 * same way, on a new connection.
 */
public final class WriteLog implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(WriteLog.class);

    /** Writes the sync state (to ZooKeeper); a failure makes the pending write fail. */
    public interface SyncRecorder {
        void record(Map<String, Set<String>> inSync) throws Exception;
    }

    /** A connection to a standby, and the checkpoint marker of each volume last sent down it. */
    private record Link(LogShipper shipper, Map<String, String> markers) {
    }

    /** Records sent and the sequence number each connection gave the last of them. */
    public record Pending(LogShipper[] shippers, long[] seqs) {
        static final Pending NONE = new Pending(new LogShipper[0], new long[0]);
    }

    private final String cluster;
    private final byte[] secret;
    private final long epoch;
    private final String leader;
    private final Duration timeout;
    private final SyncRecorder recorder;
    private final Map<String, Link> links = new ConcurrentHashMap<>();
    /** Guards inSync, dirty and link removal. */
    private final ReentrantLock state = new ReentrantLock();
    private final Map<String, Set<String>> inSync = new TreeMap<>();
    /** True while the recorded state may name a standby that misses a write: no write may be acknowledged. */
    private volatile boolean dirty;
    /** Set by close (a deposed or stopping leader): nothing more is recorded in ZooKeeper, nor acknowledged. */
    private volatile boolean closed;

    public WriteLog(String cluster, byte[] secret, long epoch, String leader, Duration timeout, Collection<String> volumes,
                    SyncRecorder recorder) {
        this.cluster = cluster;
        this.secret = secret.clone();
        this.epoch = epoch;
        this.leader = leader;
        this.timeout = timeout;
        this.recorder = recorder;
        for (String v : volumes) inSync.put(v, new TreeSet<>());
    }

    /**
     * True when no standby is connected and the recorded state is current: a write then needs neither
     * copying into records nor waiting. (A standby taken out of sync is recorded dirty before its link
     * is removed, so no write slips through between the two.)
     */
    public boolean idle() {
        return links.isEmpty() && !dirty;
    }

    /**
     * Connects to the listed standbys not connected yet, and drops those no longer listed (gone from
     * ZooKeeper: dead, or leaving).
     */
    public void connect(List<Checkpointer.Standby> standbys) throws IOException {
        Set<String> listed = new TreeSet<>();
        for (Checkpointer.Standby s : standbys) {
            listed.add(s.node());
            Link l = links.get(s.node());
            if (l != null && l.shipper().alive()) continue;
            if (l != null) lost(l.shipper(), null);
            try {
                LogShipper shipper = LogShipper.connect(cluster, secret, epoch, leader, s.node(), s.address(), timeout);
                links.put(s.node(), new Link(shipper, new ConcurrentHashMap<>()));
                log.info("write log connected to standby {}", s.node());
            } catch (IOException e) {
                log.warn("write log to standby {} not connected: {}", s.node(), e.getMessage());
            }
        }
        for (Link l : List.copyOf(links.values())) {
            if (!listed.contains(l.shipper().standby())) lost(l.shipper(), "left the cluster");
        }
        ensureRecorded();
    }

    /** Sends {@code records} to every connected standby, in order; {@link #await} the result before acknowledging. */
    public Pending append(List<LogRecord> records) {
        if (links.isEmpty()) return Pending.NONE;
        List<LogShipper> shippers = new ArrayList<>();
        List<Long> seqs = new ArrayList<>();
        for (Link l : links.values()) {
            LogShipper s = l.shipper();
            long seq = -1;
            try {
                for (LogRecord r : records) seq = s.send(r);
            } catch (IOException e) {
                // await sees the broken connection and takes the standby out of sync
            }
            shippers.add(s);
            seqs.add(seq);
        }
        return new Pending(shippers.toArray(LogShipper[]::new), seqs.stream().mapToLong(Long::longValue).toArray());
    }

    /**
     * Returns once every standby that got the records has acknowledged them, and every standby that
     * did not is recorded as out of sync.
     *
     * @throws IOException when that record could not be written: the write must not be acknowledged
     */
    public void await(Pending p) throws IOException {
        for (int i = 0; i < p.shippers().length; i++) {
            // closed while the write was on its way: whether the standby has it nobody will ever record
            if (closed) throw new IOException("the write log is closed (this node stopped leading); the write is not acknowledged");
            try {
                if (p.seqs()[i] < 0) throw new IOException("not sent");
                p.shippers()[i].await(p.seqs()[i]);
            } catch (IOException e) {
                lost(p.shippers()[i], e.getMessage());
            }
        }
        if (dirty) ensureRecorded();
    }

    /** Sends checkpoint {@code checkpoint}'s marker (writes are held: nothing comes between) and waits for it. */
    public void marker(String volume, String checkpoint) throws IOException {
        LogRecord.Marker m = new LogRecord.Marker(volume, checkpoint);
        Pending p = append(List.of(m));
        await(p);
        for (LogShipper s : p.shippers()) {
            Link l = links.get(s.standby());
            if (l != null && l.shipper() == s && s.alive()) l.markers().put(volume, checkpoint);
        }
    }

    /**
     * {@code node} acknowledged {@code checkpoint} of {@code volume}: if its marker went down the
     * connection still open, the standby now has every write of the volume.
     */
    public void confirmed(String node, String volume, String checkpoint) {
        Link l = links.get(node);
        if (l == null || !l.shipper().alive() || !checkpoint.equals(l.markers().get(volume))) return;
        state.lock();
        try {
            if (links.get(node) != l || !l.shipper().alive()) return;
            Set<String> nodes = inSync.get(volume);
            if (nodes != null && nodes.add(node)) {
                dirty = true;
                log.info("standby {} is in sync for {} (from checkpoint {})", node, volume, checkpoint);
            }
        } finally {
            state.unlock();
        }
        try {
            ensureRecorded();
        } catch (IOException e) {
            log.warn("{}", e.getMessage()); // the next write tries again
        }
    }

    /**
     * Replicates {@code volume} too from now on (a disk made while this node leads): no standby is in sync
     * for it until one acknowledges its first checkpoint, and that is recorded before this returns, so no
     * standby lacking its writes can be elected meanwhile.
     *
     * @throws IOException when the record cannot be written: the volume must not be served
     */
    public void add(String volume) throws IOException {
        state.lock();
        try {
            if (inSync.putIfAbsent(volume, new TreeSet<>()) != null) return;
            dirty = true;
        } finally {
            state.unlock();
        }
        ensureRecorded();
    }

    /**
     * Replicates {@code volume} no more (its disk was deleted): the recorded state no longer names it, so
     * it keeps no standby from being elected.
     */
    public void remove(String volume) throws IOException {
        state.lock();
        try {
            if (inSync.remove(volume) == null) return;
            dirty = true;
            for (Link l : links.values()) l.markers().remove(volume);
        } finally {
            state.unlock();
        }
        ensureRecorded();
    }

    /**
     * {@code volume}'s disk is about to be replaced (a reset): the writes in the standbys' logs since
     * their last checkpoint no longer apply to it, so none of them is in sync for it until it acknowledges
     * the next checkpoint. Recorded before this returns, i.e. before the new disk takes a write.
     *
     * @throws IOException when that cannot be recorded: the disk must not be replaced
     */
    public void outOfSync(String volume) throws IOException {
        state.lock();
        try {
            Set<String> nodes = inSync.get(volume);
            if (nodes == null || nodes.isEmpty()) return;
            log.info("standbys {} are out of sync for {} until its next checkpoint: its disk is reset", nodes, volume);
            nodes.clear();
            dirty = true;
            for (Link l : links.values()) l.markers().remove(volume); // a marker sent before the reset proves nothing
        } finally {
            state.unlock();
        }
        ensureRecorded();
    }

    /** Per volume, the standbys in sync. */
    public Map<String, Set<String>> inSync() {
        state.lock();
        try {
            Map<String, Set<String>> out = new TreeMap<>();
            inSync.forEach((v, n) -> out.put(v, Set.copyOf(n)));
            return out;
        } finally {
            state.unlock();
        }
    }

    /** True when each of {@code nodes} is in sync for every volume. */
    public boolean allInSync(Collection<String> nodes) {
        return inSync().values().stream().allMatch(s -> s.containsAll(nodes));
    }

    private void lost(LogShipper s, String why) throws IOException {
        state.lock();
        try {
            Link l = links.get(s.standby());
            if (l == null || l.shipper() != s) return; // dropped already
            boolean was = false;
            for (Set<String> nodes : inSync.values()) was |= nodes.remove(s.standby());
            if (was) dirty = true; // before the link goes: see idle()
            links.remove(s.standby());
            s.close();
            if (was) {
                log.warn("standby {} is out of sync: {}", s.standby(), why);
            } else if (why != null) {
                log.warn("write log to standby {} broke: {}", s.standby(), why);
            }
        } finally {
            state.unlock();
        }
        ensureRecorded();
    }

    private void ensureRecorded() throws IOException {
        if (!dirty) return;
        // a closed log belongs to a leader that stopped, perhaps cut off from ZooKeeper: waiting to record
        // there would hold up its stop, and what it stopped with is never acknowledged anyway
        if (closed) throw new IOException("the write log is closed (this node stopped leading); the write is not acknowledged");
        state.lock();
        try {
            if (!dirty) return;
            Map<String, Set<String>> snapshot = new HashMap<>();
            inSync.forEach((v, n) -> snapshot.put(v, Set.copyOf(n)));
            recorder.record(snapshot);
            dirty = false;
        } catch (Exception e) {
            throw new IOException("cannot record which standbys are in sync (" + e.getMessage() + "); the write is not acknowledged", e);
        } finally {
            state.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Link l : links.values()) l.shipper().close();
        links.clear();
    }
}
