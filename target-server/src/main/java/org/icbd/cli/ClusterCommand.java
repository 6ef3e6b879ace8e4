package org.icbd.cli;

import java.util.concurrent.Callable;
import org.icbd.node.ClusterAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code icbd cluster ...}: operations on the cluster this node's configuration names. */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Operate the node's cluster.",
        subcommands = {ClusterCommand.Release.class})
final class ClusterCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required (release)");
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = {"Let the current leader serve the targets it holds after a failover.",
                    "Their writable clones came from the last replication checkpoint: writes acknowledged after it are gone.",
                    "Release once the workstations using them have been rebooted (or their loss accepted)."})
    static final class Release implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        ClusterConfigOption node;

        @Override
        public Integer call() throws Exception {
            var c = node.cluster();
            long epoch = ClusterAdmin.release(c);
            spec.commandLine().getOut().println("released: the leader of epoch " + epoch + " of cluster " + c.name()
                    + " now serves every target it held");
            return 0;
        }
    }
}
