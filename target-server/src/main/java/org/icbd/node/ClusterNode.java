package org.icbd.node;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.ZooKeeper;
import org.icbd.cache.BlockCache;
import org.icbd.config.ClusterSettings;
import org.icbd.config.ConfigException;
import org.icbd.config.IcbdConfig;
import org.icbd.failover.ClusterPaths;
import org.icbd.failover.Epochs;
import org.icbd.failover.IpCommandVirtualIp;
import org.icbd.failover.LeaderElection;
import org.icbd.failover.LeaseKeeper;
import org.icbd.failover.ReplicationProgress;
import org.icbd.failover.ReplicationReceiver;
import org.icbd.failover.ReplicationSender;
import org.icbd.failover.ServingLease;
import org.icbd.failover.ServingListener;
import org.icbd.failover.SyncEligibility;
import org.icbd.failover.SyncState;
import org.icbd.failover.WriteLog;
import org.icbd.failover.ZooKeeperSession;
import org.icbd.failover.VirtualIp;
import org.icbd.failover.ZNodes;
import org.icbd.storage.QuiescingBlockDevice;
import org.icbd.volume.CatalogState;
import org.icbd.volume.CloneUsers;
import org.icbd.volume.FileCatalog;
import org.icbd.volume.VolumeFileSystem;
import org.icbd.volume.VolumeLayout;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import org.icbd.volume.ZkCatalog;
import org.icbd.workstation.MinFreeSpace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of an active-passive cluster: takes part in the election and serves the configuration's
 * targets on the virtual IP while, and only while, it leads.
 *
 * <p>Standing by: receives the leader's checkpoints of every writable clone and mirrors its catalog.
 * Leading: promotes received checkpoints newer than its own copies, opens the targets (holding those
 * whose clones came from a checkpoint until an administrator releases them), adds and announces the
 * VIP, and checkpoints its writable clones to the standbys every interval. Stopping (leadership lost,
 * ZooKeeper connection suspended, shutdown): replication stops, every session is dropped and the portal
 * closed, then the VIP removed.
 */
public final class ClusterNode implements ServingListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

    private final IcbdConfig config;
    private final Reload reload;
    private final ClusterSettings cluster;
    private final ClusterPaths paths;
    private final BlockCache cache;
    private final MeterRegistry meters;
    private final VirtualIp vip;
    private final CuratorFramework zk;
    private final LeaderElection election;
    private final List<WritableClone> clones;
    private final CatalogMirror catalog;
    private final AtomicLong epoch = new AtomicLong();
    private NodeDirectory directory;
    private ReplicationReceiver receiver;
    /** Only touched by the election's event thread (lead/stopServing) and after it stopped (close). */
    private IscsiService service;
    private CheckpointSchedule schedule;
    private WriteLog writeLog;
    /** This leadership's right to answer, and what keeps it confirmed; null while standing by. */
    private ServingLease lease;
    private LeaseKeeper keeper;
    /** This leadership's workstations (targets, boot endpoint, control socket); null while standing by or without any. */
    private volatile NodeVolumes workstations;
    /** What a reset of a disk this leader serves must do (switch it, take its standbys out of sync); null while standing by. */
    private volatile CloneUsers resets;
    /** The data root's free space against workstations.min-free-mib, watched for the node's life (its meters registered once); null without workstations. */
    private final MinFreeSpace space;

    private ClusterNode(IcbdConfig config, Reload reload, BlockCache cache, MeterRegistry meters, VirtualIp vip, CuratorFramework zk) {
        this.config = config;
        this.reload = reload;
        this.cluster = config.cluster().orElseThrow();
        this.paths = new ClusterPaths(cluster.name());
        this.cache = cache;
        this.meters = meters;
        this.vip = vip;
        this.zk = zk;
        this.clones = WritableClone.of(config);
        this.catalog = new CatalogMirror(zk, paths, new FileCatalog(new VolumeLayout(config.dataRoot())));
        SyncEligibility inSync = new SyncEligibility(zk, paths, cluster.node());
        this.election = new LeaderElection(zk, paths, cluster.node(), () -> {
            List<Path> missing = missingVersions();
            if (!missing.isEmpty()) return Optional.of("the versions " + missing + " have not reached this node yet");
            return inSync.whyNot();
        }, this);
        Gauge.builder("icbd_cluster_serving_epoch", epoch, AtomicLong::get)
                .description("epoch this node leads and serves in; 0 while it stands by").register(meters);
        DataRootSpace.register(meters, config.dataRoot(), () -> receiver == null ? Optional.empty() : receiver.space().problem());
        this.space = config.workstations().map(w -> NodeVolumes.watched(config.dataRoot(), w, meters)).orElse(null);
    }

    /** A started ZooKeeper client for {@code cluster} (the session timeout is what fencing relies on). */
    public static CuratorFramework connect(ClusterSettings cluster) {
        int timeout = (int) cluster.sessionTimeout().toMillis();
        CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(cluster.zookeeper())
                .sessionTimeoutMs(timeout).connectionTimeoutMs(timeout)
                .retryPolicy(new ExponentialBackoffRetry(100, 10, 1000))
                .build();
        zk.start();
        return zk;
    }

    /**
     * Joins the cluster. The VIP is removed first: a node that crashed while leading may still have it
     * configured, and only the leader of the current epoch may hold it.
     */
    public static ClusterNode start(IcbdConfig config, BlockCache cache, MeterRegistry meters) throws ConfigException {
        return start(config, () -> config, cache, meters);
    }

    /**
     * The configuration as it resolves now. Read again when this node starts to lead: versions and clones
     * that arrived by replication since it started are then found, with the extents they share.
     */
    @FunctionalInterface
    public interface Reload {
        IcbdConfig current() throws ConfigException;
    }

    public static ClusterNode start(IcbdConfig config, Reload reload, BlockCache cache, MeterRegistry meters) throws ConfigException {
        ClusterSettings c = config.cluster().orElseThrow();
        VirtualIp vip;
        try {
            // the guard's silence is never shorter than the lease: it removes the VIP only after the lease ran out
            vip = new IpCommandVirtualIp(c.virtualIp(), c.iface(), List.of(), ServingLease.durationFor(c.sessionTimeout()));
            vip.release();
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cluster.virtual-ip", "cannot manage " + c.virtualIp() + " on " + c.iface() + ": " + e.getMessage(), e);
        }
        ClusterNode node = new ClusterNode(config, reload, cache, meters, vip, connect(c));
        node.zk.getConnectionStateListenable().addListener((client, state) -> {
            switch (state) {
                case SUSPENDED, LOST -> log.warn("ZooKeeper connection {} ({})", state, c.zookeeper());
                case RECONNECTED -> log.info("ZooKeeper connection RECONNECTED");
                default -> { }
            }
        });
        try {
            node.join();
        } catch (ConfigException e) {
            node.close();
            throw e;
        } catch (Exception e) {
            node.close();
            throw new ConfigException("cluster.zookeeper", "cannot join the cluster at " + c.zookeeper() + ": " + e.getMessage(), e);
        }
        log.info("node {} joined cluster {} (ZooKeeper {}, session timeout {} ms); standing by until elected",
                c.node(), c.name(), c.zookeeper(), c.sessionTimeout().toMillis());
        return node;
    }

    private void join() throws Exception {
        if (cluster.replication().isPresent()) {
            ClusterSettings.Replication r = cluster.replication().get();
            Epochs epochs = new Epochs(zk, paths);
            try {
                receiver = new ReplicationReceiver(cluster.name(), r.secret(), config.dataRoot().resolve("replicas"), () -> {
                    try {
                        return epochs.current();
                    } catch (Exception e) {
                        return Long.MAX_VALUE; // cannot tell which epoch is current: refuse every stream
                    }
                }, Addresses.resolve(r.listen(), "cluster.replication.listen"));
            } catch (IOException e) {
                throw Addresses.cannotListen("cluster.replication.listen " + r.listen(), e);
            }
            receiver.space().listen(problem -> DataRootSpace.record(zk, paths, cluster.node(), problem));
            new DivergedCopies(config.dataRoot()).prune(r.diverged(), Instant.now()); // also when it takes over
            directory = new NodeDirectory(zk, paths, cluster.node(), r.listen());
        }
        // the CLI on this machine acts on the cluster's catalog, which every node copies (its LUNs resolve against it)
        ClusterDataRoot.mark(config.dataRoot(), cluster);
        catalog.follow();
        election.start();
    }

    /** Read-only LUN files (published versions) the configuration serves that are not here: they arrive by replication. */
    private List<Path> missingVersions() {
        return config.targets().stream().flatMap(t -> t.luns().stream()).filter(l -> l.readOnly())
                .map(l -> l.path()).filter(p -> !Files.exists(p)).toList();
    }

    /** The clones whose writes reach the standbys' write logs before they are acknowledged. */
    private static Set<String> syncClones(List<WritableClone> clones) {
        Set<String> out = new TreeSet<>();
        for (WritableClone c : clones) if (c.sync()) out.add(c.name());
        return out;
    }

    /**
     * The configuration's writable clones, those the catalog maps onto its targets, and the disks of the
     * cluster's workstations (the catalog in ZooKeeper, seeded with this node's own when the cluster has none yet).
     */
    private List<WritableClone> replicatedClones(long newEpoch) throws Exception {
        List<WritableClone> all = new ArrayList<>(clones);
        if (config.workstations().isEmpty() && cluster.replication().isEmpty()) return all;
        catalog.seed(newEpoch);
        CatalogState state = new ZkCatalog(zk, paths, ZkCatalog.Fence.leaderOf(newEpoch)).read();
        // clones mapped ('icbd lun map') since this node started: their replicas are taken over too
        for (WritableClone c : ReplicatedLunMaps.in(config, state)) {
            if (all.stream().noneMatch(k -> k.name().equals(c.name()))) all.add(c);
        }
        if (config.workstations().isEmpty()) return all;
        boolean sync = WritableClone.syncByDefault(config);
        for (CatalogState.Workstation w : state.workstations().values()) {
            if (state.clones().containsKey(w.clone()) && all.stream().noneMatch(c -> c.name().equals(w.clone()))) {
                all.add(WritableClone.of(config.dataRoot(), w, sync));
            }
        }
        all.addAll(WritableClone.workCopies(config.dataRoot(), state, sync));
        return all;
    }

    /**
     * Starts serving in {@code newEpoch}: promotes received checkpoints (replaying the write log kept
     * after them), decides which clones must be held, records itself as the owner of the sync state,
     * opens the targets and takes the VIP, then starts the replication rounds.
     *
     * <p>A clone promoted from a checkpoint is served at once when nothing acknowledged can be missing
     * from it: the last leader handed it over cleanly, or (sync mode) this node was in sync and replayed
     * the log. Otherwise (async mode, or an administrator promoted this node out of sync) it is held
     * until released: a session resuming on older data than it wrote would corrupt its file system.
     */
    @Override
    public synchronized void lead(long newEpoch) throws Exception {
        if (receiver != null) receiver.leading(newEpoch);
        List<WritableClone> clones = replicatedClones(newEpoch);
        Set<String> syncClones = syncClones(clones);
        Optional<SyncState> prior = SyncState.read(zk, paths);
        boolean forced = prior.isPresent() && !prior.get().eligible(cluster.node());
        if (forced) {
            log.warn("leading by an administrator's decision although not in sync with {} (epoch {}) for {}: writes it"
                    + " acknowledged may be missing", prior.get().leader(), prior.get().epoch(), prior.get().missing(cluster.node()));
        }
        Promotion promotion = new Promotion(config.dataRoot(),
                cluster.replication().map(ClusterSettings.Replication::diverged).orElse(ClusterSettings.Diverged.DEFAULT));
        Map<String, String> handovers = new HashMap<>();
        for (WritableClone c : clones) ZNodes.read(zk, paths.handover(c.name())).ifPresent(h -> handovers.put(c.name(), h));
        TakeoverPlan plan = TakeoverPlan.decide(promotion.facts(clones, handovers), forced);
        Set<String> held = promotion.carryOut(plan, clones, newEpoch);
        if (cluster.replication().isPresent()) {
            // from here on only this node has every write to its sync clones (none, without any: a record
            // left by an earlier configuration must not keep the others from leading)
            Map<String, Set<String>> none = new HashMap<>();
            for (String c : syncClones) none.put(c, Set.of());
            new SyncState(newEpoch, cluster.node(), none).write(zk, paths);
            zk.delete().quietly().forPath(paths.forcedLeader());
        }
        try {
            serve(newEpoch, new ReplicationSet(clones), held, promotion);
        } catch (Exception e) {
            endLease();
            closeWriteLog();
            // once the targets were open this node may have taken writes: then only it has them all
            if (service == null && cluster.replication().isPresent()) restore(prior, newEpoch);
            throw e;
        }
    }

    /**
     * Puts back who may lead after this node failed to open its targets: it took no write, so the nodes
     * that were in sync still are (otherwise its failure would leave the cluster with no eligible node).
     */
    private void restore(Optional<SyncState> prior, long newEpoch) {
        try {
            SyncState back = prior.map(p -> new SyncState(newEpoch, p.leader(), p.volumes()))
                    .orElse(new SyncState(newEpoch, cluster.node(), Map.of()));
            back.write(zk, paths);
        } catch (Exception e) {
            log.error("could not restore the sync state after a failed start ({}): 'icbd cluster promote' may be needed",
                    e.toString());
        }
    }

    private void serve(long newEpoch, ReplicationSet replicated, Set<String> held, Promotion promotion) throws Exception {
        Set<String> syncClones = replicated.syncNames();
        List<WritableClone> clones = replicated.clones();
        // a workstation's disk or a clone mapped while this node serves may need the log later
        if (!syncClones.isEmpty() || WritableClone.syncByDefault(config)) {
            ClusterSettings.Replication r = cluster.replication().orElseThrow();
            writeLog = new WriteLog(cluster.name(), r.secret(), newEpoch, cluster.node(), cluster.sessionTimeout(),
                    syncClones, inSync -> new SyncState(newEpoch, cluster.node(), inSync).write(zk, paths));
        }
        WriteLog mirror = writeLog;
        replicated.writeLog(mirror);
        Timer waits = Timer.builder("icbd_replication_log_wait")
                .description("time a write to a synchronously replicated clone waited for the standbys").register(meters);
        Map<Path, QuiescingBlockDevice> writable = new ConcurrentHashMap<>();
        LunStack opener = LunStack.cached(cache).leading(mirror, replicated::syncVolumeOf, waits, writable);
        lease = new ServingLease(ServingLease.durationFor(LeaseKeeper.negotiatedTimeout(zk, cluster.sessionTimeout())), System::nanoTime);
        keeper = LeaseKeeper.start(zk, paths, newEpoch, lease, vip::keepAlive, why -> election.abdicate(newEpoch, why));
        LeaseGate gate = new LeaseGate(lease);
        vip.acquire();
        try {
            ZooKeeper session = zk.getZookeeperClient().getZooKeeper();
            vip.endOnDeath(new ZooKeeperSession(session.getSessionId(), session.getSessionPasswd(), cluster.zookeeper()));
            IcbdConfig read = reload.current();
            NodeVolumes ws = leadingWorkstations(newEpoch, opener, replicated);
            workstations = ws;
            IcbdConfig now = ReplicatedLunMaps.servable(read, ws.volumes().state());
            // through the served clones, a reset of any clone LUN switches it under its sessions
            service = IscsiService.open(now, ws.served().opener(),
                    registry -> gate.guard(new ReleaseGate(now.workstations().isEmpty() ? registry : ws.withWorkstations(registry,
                            now.iscsi().maxCommandBytes()), zk, paths, newEpoch, held)),
                    new ZkReservations(zk, paths, newEpoch), gate, meters);
            if (now.workstations().isPresent()) {
                ws.servedBy(service);
                ws.listen();
                if (now.workstations().get().boot().isPresent()) ws.startBoot(now.workstations().get(), service.portals().get(0), gate::mayAnswer);
            }
            applyLunMaps(now, ws, replicated);
        } catch (Exception e) {
            endLease();
            if (service == null) closeWorkstations(); // otherwise stopServing closes both, in its order
            vip.release();
            throw e;
        }
        promotion.served(clones, newEpoch);
        promotion.discardLogs(clones);
        epoch.set(newEpoch);
        log.info("serving cluster {} on {} in epoch {}", cluster.name(), service.portals(), newEpoch);
        if (!held.isEmpty()) log.warn("holding {} until 'icbd cluster release': their clones came from checkpoints", held);
        if (directory != null) catalog.seed(newEpoch); // standbys resolve their clone LUNs against it
        if (cluster.replication().isPresent()) {
            ClusterSettings.Replication r = cluster.replication().get();
            ReplicationSender sender = new ReplicationSender(cluster.name(), r.secret());
            ReplicationProgress progress = new ReplicationProgress(zk, paths);
            VolumeLayout layout = new VolumeLayout(config.dataRoot());
            schedule = new CheckpointSchedule(clones, writable, config.dataRoot().resolve("checkpoints"),
                    config.dataRoot().resolve("replicas"), sender, progress, directory, catalog, newEpoch, r.interval(),
                    new VersionShipper(layout, new FileCatalog(layout), sender, progress, newEpoch), writeLog, meters);
            schedule.start();
        }
    }


    /**
     * The catalog's LUN maps of the configured targets follow the cluster's catalog while this node leads
     * (a map or unmap made from any node's CLI or admin API): a mapped clone is replicated before its LUN
     * opens. Changes stop reaching the node when it stops serving ({@link #stopServing}).
     */
    private void applyLunMaps(IcbdConfig now, NodeVolumes ws, ReplicationSet replicated) throws ConfigException, IOException {
        ws.applyLunMapsTo(service.configured(), ReplicatedLunMaps.of(now, ws.volumes().state(), replicated));
        catalog.onChange(ws::catalogChanged);
    }

    /**
     * The cluster's workstations (when the configuration has them) and the clones this leader serves in
     * {@code newEpoch}: its catalog changes are fenced by that epoch, their disks open through {@code opener}
     * (the write log, the checkpoints' gate), and a workstation added on another node (recorded without a
     * disk) gets its disk here, which is replicated before it is served.
     */
    private NodeVolumes leadingWorkstations(long newEpoch, LunStack opener, ReplicationSet replicated) throws IOException {
        VolumeLayout layout = new VolumeLayout(config.dataRoot());
        VolumeManager volumes = new VolumeManager(layout, VolumeFileSystem.forRoot(config.dataRoot()),
                new ZkCatalog(zk, paths, ZkCatalog.Fence.leaderOf(newEpoch)));
        boolean sync = WritableClone.syncByDefault(config);
        boolean replicating = cluster.replication().isPresent();
        NodeVolumes leading = NodeVolumes.leading(volumes, opener, state -> {
            CatalogState now = state;
            for (CatalogState.Workstation w : state.workstations().values()) {
                if (state.clones().containsKey(w.clone())) continue;
                try {
                    volumes.makeWorkstationDisk(new VolumeName(w.name()))
                            .ifPresent(c -> log.info("made workstation {}'s disk (a clone of {}@{}); it was added on another node",
                                    w.name(), c.image(), c.version()));
                } catch (IOException | RuntimeException e) {
                    log.error("cannot make workstation {}'s disk: {}", w.name(), e.getMessage());
                }
                now = volumes.state();
            }
            if (replicating) {
                for (CatalogState.Workstation w : now.workstations().values()) {
                    if (now.clones().containsKey(w.clone())) replicated.add(WritableClone.of(config.dataRoot(), w, sync));
                }
                // only a cluster with workstations edits images (replicatedClones takes work copies over likewise)
                if (config.workstations().isPresent()) replicated.followWorkCopies(now, config.dataRoot(), sync);
            }
            // a workstation removed on another node: its disk, served here, goes (its target closes when served anew)
            for (WritableClone c : replicated.clones()) {
                if (now.clones().containsKey(c.name()) || clones.stream().anyMatch(k -> k.name().equals(c.name()))) continue;
                if (WritableClone.workCopyOf(c.name()).isPresent()) continue;
                replicated.remove(c.name());
                volumes.deleteForgottenDisk(new VolumeName(c.name()));
                log.info("deleted the disk of {}, which is no longer in the catalog", c.name());
            }
            return now;
        }, space);
        ServedClones served = leading.served();
        CloneUsers switching = clone -> {
            replicated.resetting(clone.name()); // first: no write to the new disk may count the old log
            served.replaced(clone);
        };
        volumes.serveClonesTo(switching);
        resets = switching;
        return leading;
    }

    /**
     * The data root as the admin API changes it: the cluster's catalog (disks changed only while this node
     * leads or none does), and a reset of a disk this node serves switches it under its sessions.
     */
    public VolumeManager adminVolumes() throws IOException {
        VolumeManager m = ClusterDataRoot.of(cluster).volumes(config.dataRoot(), zk);
        m.serveClonesTo(clone -> {
            CloneUsers r = resets;
            if (r != null) r.replaced(clone);
        });
        return m;
    }

    private void closeWorkstations() {
        resets = null;
        NodeVolumes ws = workstations;
        workstations = null;
        catalog.onChange(null);
        if (ws != null) ws.close();
    }

    /**
     * A clean stop of the leader: sessions closed first (no write can come after), then a final
     * checkpoint of every clone to every standby, recorded as handed over, so the next leader serves
     * them at once, with nothing lost and nothing held. A clone some standby did not get stays unrecorded
     * (the next leader holds it, as after a crash). A standby that got the final checkpoint of a sync
     * clone has every write to it, and is recorded as in sync: one that was still catching up may lead next.
     */
    private synchronized void handOver() {
        if (service == null) return;
        CheckpointSchedule last = schedule;
        schedule = null;
        if (last != null) last.close();
        endLease();
        service.close();
        service = null;
        closeWorkstations();
        Map<String, Set<String>> inSync = writeLog == null ? null : writeLog.inSync();
        closeWriteLog();
        long served = epoch.getAndSet(0);
        if (last != null) {
            try {
                CheckpointSchedule.Round round = last.finalRound();
                for (var e : round.complete().entrySet()) ZNodes.write(zk, paths.handover(e.getKey()), e.getValue());
                if (inSync != null) {
                    Map<String, Set<String>> now = new HashMap<>();
                    inSync.forEach((volume, nodes) -> {
                        Set<String> all = new TreeSet<>(nodes);
                        all.addAll(round.received().getOrDefault(volume, Set.of()));
                        now.put(volume, all);
                    });
                    new SyncState(served, cluster.node(), now).write(zk, paths);
                }
            } catch (Exception e) {
                log.error("handing over cleanly failed ({}); the next leader will hold the writable targets", e.toString());
            }
        }
        releaseVip();
        log.warn("stopped serving: handed over");
    }

    /**
     * Stops in an order in which nothing waits on ZooKeeper or a standby (either may be unreachable, and
     * this may be a deposed leader) before the node is silent: the lease revoked (no answer leaves), the
     * VIP removed, the portals closed and every session dropped (commands in flight are never answered),
     * replication stopped, the write log closed (a write waiting for it fails), and only then the LUNs
     * flushed and closed.
     */
    @Override
    public synchronized void stopServing(String reason) {
        IscsiService s = service;
        service = null;
        endLease();
        resets = null;
        NodeVolumes ws = workstations;
        workstations = null;
        catalog.onChange(null);
        if (ws != null) ws.stopAnswering(); // the boot endpoint and the control socket: nothing more is answered
        if (s != null) {
            epoch.set(0);
            releaseVip();
            s.stopAnswering();
        }
        if (schedule != null) {
            schedule.close();
            schedule = null;
        }
        closeWriteLog();
        if (s == null) {
            if (ws != null) ws.close();
            return;
        }
        s.close();
        if (ws != null) ws.close(); // the workstations' disks, after the portals
        log.warn("stopped serving: {}", reason);
    }

    private void endLease() {
        if (keeper != null) keeper.close();
        if (lease != null) lease.revoke();
        keeper = null;
        lease = null;
    }

    private void releaseVip() {
        try {
            vip.release();
        } catch (IOException e) {
            log.error("could not remove the virtual IP {}: {}", cluster.virtualIp(), e.getMessage());
        }
    }

    private void closeWriteLog() {
        if (writeLog != null) writeLog.close();
        writeLog = null;
    }

    public ClusterSettings settings() {
        return cluster;
    }

    /** The free space a new workstation needs on this node (the admin API asks it), or null without workstations. */
    public MinFreeSpace space() {
        return space;
    }

    /** Where this node receives checkpoints, or null without replication. */
    public InetSocketAddress replicationAddress() {
        return receiver == null ? null : receiver.address();
    }

    @Override
    public void close() {
        handOver();
        try {
            election.close(); // its last act is stopServing, on its own thread
        } catch (IOException e) {
            log.warn("leaving the election: {}", e.getMessage());
        }
        try {
            if (receiver != null) receiver.close();
            if (directory != null) directory.close();
        } catch (IOException e) {
            log.warn("leaving the cluster: {}", e.getMessage());
        }
        catalog.close();
        zk.close();
        if (space != null) space.close();
    }
}
