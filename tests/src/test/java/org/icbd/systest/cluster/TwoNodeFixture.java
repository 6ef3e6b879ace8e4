package org.icbd.systest.cluster;

import java.nio.file.Path;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every two-node cluster test stands on: a loop btrfs per node, the lab (network namespaces,
 * ZooKeeper and every process a test starts) opened before each test and closed after it whatever
 * happened, and the nodes' logs kept (with their threads and state on failure) in tests/target/cluster-runs.
 */
abstract class TwoNodeFixture {

    @RegisterExtension
    final LoopBtrfsExtension diskA;
    @RegisterExtension
    final LoopBtrfsExtension diskB;
    /** Registered after the disks: keeps the node logs, and on failure the nodes' threads and state, in tests/target/cluster-runs. */
    @RegisterExtension
    final ClusterDiagnostics diagnostics = new ClusterDiagnostics(() -> this.cluster);

    @TempDir
    Path tmp;

    /** The network, ZooKeeper, and every process a test starts (initiators, writers), stopped in teardown whatever happened. */
    ClusterLab cluster;

    /** Each node's data root on a 512 MiB loop btrfs. */
    TwoNodeFixture() {
        this(512L << 20);
    }

    TwoNodeFixture(long diskBytes) {
        diskA = new LoopBtrfsExtension(diskBytes);
        diskB = new LoopBtrfsExtension(diskBytes);
    }

    @BeforeEach
    void openLab() throws Exception {
        cluster = ClusterLab.open(tmp);
    }

    @AfterEach
    void closeLab() throws Exception {
        if (cluster != null) cluster.close();
    }
}
