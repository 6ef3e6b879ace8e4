package org.icbd.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.curator.framework.CuratorFramework;
import org.icbd.failover.ClusterPaths;
import org.icbd.failover.Epochs;
import org.icbd.failover.ZNodes;
import org.icbd.scsi.ReservationSnapshot;
import org.icbd.scsi.ReservationStore;

/**
 * The leader's persistent reservations in ZooKeeper, one JSON record per LUN: a new leader restores
 * them before it serves, so a cluster of initiators keeps its reservation across a failover. Saves are
 * fenced by the leader's epoch: a deposed leader cannot overwrite what its successor recorded.
 */
final class ZkReservations implements ReservationStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CuratorFramework zk;
    private final ClusterPaths paths;
    private final Epochs epochs;
    private final long epoch;
    /**
     * The targets that have records, listed once: a new leader asks for every LUN before it serves, and
     * most targets (workstation disks) never see a reservation, so one listing replaces a read per LUN.
     */
    private Set<String> targetsWithRecords;

    ZkReservations(CuratorFramework zk, ClusterPaths paths, long epoch) {
        this.zk = zk;
        this.paths = paths;
        this.epochs = new Epochs(zk, paths);
        this.epoch = epoch;
    }

    @Override
    public synchronized void save(String target, long lun, ReservationSnapshot state) throws IOException {
        try {
            epochs.writeFenced(paths.reservations(target, lun), JSON.writeValueAsBytes(state), epoch);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot save the reservations of " + target + " LUN " + lun + " in ZooKeeper: " + e, e);
        }
        if (targetsWithRecords != null) targetsWithRecords.add(key(target));
    }

    @Override
    public synchronized Optional<ReservationSnapshot> load(String target, long lun) throws IOException {
        Optional<String> text;
        try {
            if (targetsWithRecords == null) targetsWithRecords = new HashSet<>(ZNodes.children(zk, paths.reservations()));
            if (!targetsWithRecords.contains(key(target))) return Optional.empty();
            text = ZNodes.read(zk, paths.reservations(target, lun));
        } catch (Exception e) {
            throw new IOException("cannot read the reservations of " + target + " LUN " + lun + " from ZooKeeper: " + e, e);
        }
        return text.isEmpty() ? Optional.empty() : Optional.of(JSON.readValue(text.get(), ReservationSnapshot.class));
    }

    private static String key(String iqn) {
        return iqn.toLowerCase(Locale.ROOT);
    }
}
