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
        run(out);
        out.flush();
        return 0;
    }

    /** Runs with the configuration's cluster; a command that has something to do without one overrides this. */
    void run(PrintWriter out) throws Exception {
        run(node.cluster(), out);
    }

    abstract void run(ClusterSettings cluster, PrintWriter out) throws Exception;
}
