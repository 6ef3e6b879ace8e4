package org.icbd.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.icbd.config.ClusterSettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command about the cluster named in this node's configuration file ({@code --config}). */
abstract class ClusterSubcommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterConfigOption node;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        run(node.cluster(), out);
        out.flush();
        return 0;
    }

    abstract void run(ClusterSettings cluster, PrintWriter out) throws Exception;
}
