package org.icbd.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.icbd.volume.CatalogState;
import org.icbd.volume.VolumeName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code icbd clone ...}: per-workstation writable disks made from an image version. */
@Command(name = "clone", mixinStandardHelpOptions = true, description = "Workstation disks cloned from image versions.",
        subcommands = {CloneCommand.Create.class, CloneCommand.ListClones.class, CloneCommand.Reset.class,
                CloneCommand.Delete.class})
final class CloneCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (create, list, reset, delete)");
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Clone a version (default: the newest) for one workstation.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataRootOption root;
        @Option(names = "--image", required = true, paramLabel = "IMAGE[@VERSION]")
        String image;
        @Option(names = "--name", required = true, paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            String[] parts = image.split("@", 2);
            int version;
            try {
                version = parts.length == 2 ? Integer.parseInt(parts[1]) : 0;
            } catch (NumberFormatException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--image: version must be a number: " + image);
            }
            var m = root.open(spec.commandLine().getErr());
            long t0 = System.nanoTime();
            CatalogState.Clone c = m.createClone(new VolumeName(parts[0]), version, new VolumeName(name));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            spec.commandLine().getOut().println("clone " + c.name() + " of " + c.image() + "@" + c.version() + " (" + ms + " ms): "
                    + m.cloneDisk(new VolumeName(c.name())));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List clones.")
    static final class ListClones implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataRootOption root;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            CatalogState s = root.open(spec.commandLine().getErr()).state();
            out.printf("%-24s %-28s %-36s  %s%n", "CLONE", "OF", "ID", "CREATED");
            for (CatalogState.Clone c : s.clones().values()) {
                out.printf("%-24s %-28s %-36s  %s%n", c.name(), c.image() + "@" + c.version(), c.id(), c.created());
            }
            return 0;
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = true, description = "Discard a clone's writes: back to its version, same identity.")
    static final class Reset implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataRootOption root;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            root.open(spec.commandLine().getErr()).resetClone(new VolumeName(name));
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a clone.")
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataRootOption root;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            root.open(spec.commandLine().getErr()).deleteClone(new VolumeName(name));
            return 0;
        }
    }
}
