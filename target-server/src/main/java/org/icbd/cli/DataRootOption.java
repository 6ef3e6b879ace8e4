package org.icbd.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import org.icbd.node.ClusterDataRoot;
import org.icbd.volume.VolumeManager;
import picocli.CommandLine.Option;

/** {@code --data-root}: where images, versions and clones live (a btrfs mount in production). */
final class DataRootOption {

    static final String DEFAULT = "/var/lib/icbd";

    @Option(names = "--data-root", paramLabel = "DIR", defaultValue = "${env:ICBD_DATA_ROOT:-" + DEFAULT + "}",
            description = "Data root (default: $ICBD_DATA_ROOT or " + DEFAULT + ").")
    Path dataRoot;

    /** Opens the data root, warning once when it is not btrfs (clones are then full or reflink copies). */
    VolumeManager open(PrintWriter err) throws IOException {
        // a cluster node's data root: the catalog is the cluster's, in ZooKeeper
        Optional<ClusterDataRoot> cluster = ClusterDataRoot.of(dataRoot);
        VolumeManager m = cluster.isPresent() ? cluster.get().volumes(dataRoot) : VolumeManager.open(dataRoot);
        if (!m.instantClones()) {
            err.println("icbd: warning: " + m.layout().root() + " is not on btrfs: versions and clones are copies"
                    + " (reflinks where the file system has them), not instant snapshots, and replication needs btrfs");
            err.flush();
        }
        return m;
    }
}
