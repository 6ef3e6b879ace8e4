package org.icbd.cli;

import java.io.PrintWriter;
import java.util.List;
import org.icbd.config.ClusterSettings;
import org.icbd.node.DivergedCopies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code icbd cluster diverged ...}: this node's own older copies of clones, kept aside in
 * {@code <data root>/diverged/} when it took over from a checkpoint (bounded by
 * cluster.replication.diverged-keep and diverged-max-age).
 */
@Command(name = "diverged", mixinStandardHelpOptions = true,
        description = {"List or delete this node's diverged copies: its own older copy of a clone, kept aside when it took",
                "over from a checkpoint instead (the writes it took before it was deposed, which the cluster does not have)."},
        subcommands = {DivergedCommand.ListCopies.class, DivergedCommand.Delete.class})
final class DivergedCommand extends CommandGroup {

    /** Runs against the data root named in this node's configuration (no ZooKeeper needed). */
    abstract static class Local extends ClusterSubcommand {
        @Override
        void run(ClusterSettings cluster, PrintWriter out) throws Exception {
            run(new DivergedCopies(node.home().dataRoot()), out);
        }

        abstract void run(DivergedCopies copies, PrintWriter out) throws Exception;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the diverged copies, oldest first.")
    static final class ListCopies extends Local {
        @Override
        void run(DivergedCopies copies, PrintWriter out) throws Exception {
            List<DivergedCopies.Copy> all = copies.list();
            if (all.isEmpty()) {
                out.println("no diverged copies");
                return;
            }
            out.printf("%-40s %-20s %-8s %s%n", "NAME", "CLONE", "EPOCH", "KEPT SINCE");
            for (DivergedCopies.Copy c : all) {
                out.printf("%-40s %-20s %-8d %s%n", c.name(), c.volume(), c.epoch(), c.kept().map(Object::toString).orElse("unknown"));
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete diverged copies (what they hold is gone for good).")
    static final class Delete extends Local {
        @Parameters(paramLabel = "NAME", arity = "0..*", description = "copies to delete, as 'list' names them")
        List<String> names = List.of();

        @Option(names = "--all", description = "delete every diverged copy")
        boolean all;

        @Override
        void run(DivergedCopies copies, PrintWriter out) throws Exception {
            if (all == !names.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "name the copies to delete, or give --all");
            }
            List<String> targets = all ? copies.list().stream().map(DivergedCopies.Copy::name).toList() : names;
            for (String n : targets) out.println("deleted " + copies.delete(n).name());
        }
    }
}
