package org.icbd.cli;

import java.io.PrintWriter;
import org.icbd.config.ClusterSettings;
import org.icbd.node.ClusterAdmin;
import picocli.CommandLine.Command;

/** {@code icbd replication ...}: the state of checkpoint replication in this node's cluster. */
@Command(name = "replication", mixinStandardHelpOptions = true, description = "Inspect replication between the cluster's nodes.",
        subcommands = {ReplicationCommand.Status.class})
final class ReplicationCommand extends CommandGroup {

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Show the epoch, the live nodes, and per standby and volume the last acknowledged checkpoint and its age",
                    "(the replication lag: at most about one interval while replication keeps up)."})
    static final class Status extends ClusterSubcommand {
        @Override
        void run(ClusterSettings cluster, PrintWriter out) throws Exception {
            out.print(ClusterAdmin.status(cluster));
        }
    }
}
