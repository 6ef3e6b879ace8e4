package org.icbd.cli;

import java.io.PrintWriter;
import org.icbd.config.ClusterSettings;
import org.icbd.node.ClusterAdmin;
import picocli.CommandLine.Command;

/** {@code icbd cluster ...}: operations on the cluster this node's configuration names. */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Operate the node's cluster.",
        subcommands = {ClusterCommand.Release.class})
final class ClusterCommand extends CommandGroup {

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = {"Let the current leader serve the targets it holds after a failover.",
                    "Their writable clones came from the last replication checkpoint: writes acknowledged after it are gone.",
                    "Release once the workstations using them have been rebooted (or their loss accepted)."})
    static final class Release extends ClusterSubcommand {
        @Override
        void run(ClusterSettings cluster, PrintWriter out) throws Exception {
            long epoch = ClusterAdmin.release(cluster);
            out.println("released: the leader of epoch " + epoch + " of cluster " + cluster.name() + " now serves every target it held");
        }
    }
}
