package org.icbd.node;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.icbd.failover.ClusterPaths;
import org.icbd.failover.ZNodes;
import org.icbd.workstation.MinFreeSpace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The space of a cluster node's data root, where checkpoints, the write log and diverged copies live:
 * metrics for it, and the record in ZooKeeper of a standby that cannot receive for lack of it.
 */
final class DataRootSpace {

    private static final Logger log = LoggerFactory.getLogger(DataRootSpace.class);

    private DataRootSpace() {
    }

    static void register(MeterRegistry meters, Path dataRoot, Supplier<Optional<String>> noSpace) {
        Gauge.builder("icbd_data_root_free_bytes", dataRoot, MinFreeSpace::usableBytesOrNaN)
                .description("bytes free in the data root (checkpoints, write log and diverged copies take from it)").baseUnit("bytes")
                .register(meters);
        DivergedCopies diverged = new DivergedCopies(dataRoot);
        Gauge.builder("icbd_diverged_copies", diverged, DataRootSpace::count)
                .description("own older copies of clones kept aside in diverged/ ('icbd cluster diverged list')")
                .strongReference(true).register(meters);
        Gauge.builder("icbd_replication_receive_no_space", noSpace, s -> s.get().isPresent() ? 1 : 0)
                .description("1 while this standby cannot receive checkpoints or the write log for lack of space")
                .strongReference(true).register(meters); // only the gauge holds these: held weakly, they would be collected
    }

    private static double count(DivergedCopies diverged) {
        try {
            return diverged.list().size();
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** Records (or clears) in ZooKeeper that {@code node} cannot receive for lack of space. */
    static void record(CuratorFramework zk, ClusterPaths paths, String node, Optional<String> problem) {
        try {
            if (problem.isPresent()) {
                ZNodes.write(zk, paths.noSpace(node), problem.get() + " (since " + Instant.now() + ")");
            } else {
                zk.delete().quietly().forPath(paths.noSpace(node));
            }
        } catch (Exception e) {
            log.warn("could not record in ZooKeeper that this node {}: {}", problem.isPresent() ? "lacks space" : "has space again",
                    e.getMessage());
        }
    }
}
