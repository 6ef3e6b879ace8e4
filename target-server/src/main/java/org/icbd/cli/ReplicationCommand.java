package org.icbd.cli;

import java.util.concurrent.Callable;
import org.icbd.node.ClusterAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code icbd replication ...}: the state of checkpoint replication in this node's cluster. */
@Command(name = "replication", mixinStandardHelpOptions = true, description = "Inspect replication between the cluster's nodes.",
        subcommands = {ReplicationCommand.Status.class})
final class ReplicationCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required (status)");
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Show the epoch, the live nodes, and per standby and volume the last acknowledged checkpoint and its age",
                    "(the replication lag: at most about one interval while replication keeps up)."})
    static final class Status implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        ClusterConfigOption node;

        @Override
        public Integer call() throws Exception {
            spec.commandLine().getOut().print(ClusterAdmin.status(node.cluster()));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
