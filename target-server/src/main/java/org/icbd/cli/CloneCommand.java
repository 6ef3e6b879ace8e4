package org.icbd.cli;

import org.icbd.volume.CatalogState;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code icbd clone ...}: per-workstation writable disks made from an image version. */
@Command(name = "clone", mixinStandardHelpOptions = true, description = "Workstation disks cloned from image versions.",
        subcommands = {CloneCommand.Create.class, CloneCommand.ListClones.class, CloneCommand.Reset.class,
                CloneCommand.Delete.class})
final class CloneCommand extends CommandGroup {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Clone a version (default: the newest) for one workstation.")
    static final class Create extends VolumeCommand {
        @Option(names = "--image", required = true, paramLabel = "IMAGE[@VERSION]")
        String image;
        @Option(names = "--name", required = true, paramLabel = "NAME")
        String name;

        @Override
        void run(VolumeManager m) throws Exception {
            VersionSpec of = VersionSpec.parseOrNewest(image);
            long t0 = System.nanoTime();
            CatalogState.Clone c = m.createClone(of.image(), of.version(), new VolumeName(name));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            out().println("clone " + c.name() + " of " + c.image() + "@" + c.version() + " (" + ms + " ms): "
                    + m.cloneDisk(new VolumeName(c.name())));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List clones.")
    static final class ListClones extends VolumeCommand {
        @Override
        void run(VolumeManager m) throws Exception {
            out().printf("%-24s %-28s %-36s  %s%n", "CLONE", "OF", "ID", "CREATED");
            for (CatalogState.Clone c : m.state().clones().values()) {
                out().printf("%-24s %-28s %-36s  %s%n", c.name(), c.image() + "@" + c.version(), c.id(), c.created());
            }
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = false, description = {
            "Discard a clone's writes: back to its version (or --version N of its image), same identity.",
            "When 'icbd serve' runs on this data root, the node does it and serves the new disk at once."})
    static final class Reset extends VolumeCommand.Named {
        @Mixin
        HelpOnly help;
        @Option(names = "--version", paramLabel = "N", defaultValue = "0", description = "Move the clone to this version of its image.")
        int version;

        @Override
        void run(VolumeManager m) throws Exception {
            out().println(CloneResets.reset(m, name(), version));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a clone.")
    static final class Delete extends VolumeCommand.Named {
        @Override
        void run(VolumeManager m) throws Exception {
            m.deleteClone(name());
        }
    }
}
