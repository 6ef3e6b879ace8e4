package org.icbd.cli;

import java.io.PrintWriter;
import org.icbd.config.ClusterSettings;
import org.icbd.node.ClusterAdmin;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code icbd cluster ...}: operations on the cluster this node's configuration names. */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Operate the node's cluster.",
        subcommands = {ClusterCommand.Release.class, ClusterCommand.Promote.class, DivergedCommand.class,
                DropVipCommand.class})
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

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = {"Let a node that is not in sync lead: only when the leader is lost for good and no standby has",
                    "every write it acknowledged (see 'icbd replication status'). The writes that node lacks are lost;",
                    "its writable targets are held until 'icbd cluster release'."})
    static final class Promote extends ClusterSubcommand {
        @CommandLine.Option(names = "--node", required = true, description = "the node id allowed to lead")
        String node;

        @Override
        void run(ClusterSettings cluster, PrintWriter out) throws Exception {
            out.println(ClusterAdmin.promote(cluster, node));
        }
    }
}
