package org.icbd.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.icbd.volume.CatalogState;
import org.icbd.volume.ImageMaintenance;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code icbd image ...}: golden images and their published, read-only versions. */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Golden images and their versions.",
        subcommands = {ImageCommand.Import.class, ImageCommand.ListImages.class, ImageCommand.Publish.class,
                ImageCommand.Delete.class, ImageCommand.Edit.class, ImageCommand.SetImage.class, ImageCommand.Prune.class})
final class ImageCommand extends CommandGroup {

    @Command(name = "import", mixinStandardHelpOptions = true, description = "Copy a raw disk image in as a new golden image (kept sparse).")
    static final class Import extends VolumeCommand {
        @Parameters(paramLabel = "FILE", description = "Raw image file.")
        Path file;
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "Name of the new image.")
        String name;

        @Override
        void run(VolumeManager m) throws Exception {
            VolumeName n = new VolumeName(name);
            PrintWriter err = err();
            long total = Math.max(1, Files.size(file));
            int[] shown = {-1};
            boolean terminal = System.console() != null; // a progress bar only where someone watches it
            m.importImage(n, file, done -> {
                int pct = (int) (done * 100 / total);
                if (terminal && pct != shown[0]) {
                    shown[0] = pct;
                    int bar = pct / 5;
                    err.print("\rimporting " + name + " [" + "#".repeat(bar) + " ".repeat(20 - bar) + "] " + pct + "%");
                    err.flush();
                }
            });
            if (terminal) err.println();
            out().println("image " + name + " imported; publish a version with: icbd image publish " + name);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List images and their versions.")
    static final class ListImages extends VolumeCommand {
        @Override
        void run(VolumeManager m) throws Exception {
            CatalogState s = m.state();
            out().printf("%-24s %8s %7s %6s %-12s %s%n", "IMAGE", "VERSIONS", "CURRENT", "CLONES", "EDITED-BY", "CREATED");
            for (CatalogState.Image i : s.images().values()) {
                long clones = s.clones().values().stream().filter(c -> c.image().equals(i.name())).count();
                out().printf("%-24s %8s %7s %6d %-12s %s%n", i.name(), i.versions() + (i.pruned().isEmpty() ? "" : "-" + i.pruned().size()),
                        i.versions() == 0 ? "-" : "@" + i.currentVersion(), clones, i.editor() == null ? "-" : i.editor(), i.created());
            }
        }
    }

    @Command(name = "publish", mixinStandardHelpOptions = true, description = "Freeze the image's work copy as its next read-only version.")
    static final class Publish extends VolumeCommand.Named {
        @Override
        void run(VolumeManager m) throws Exception {
            out().println(name + "@" + m.publish(name()));
        }
    }

    @Command(name = "edit", mixinStandardHelpOptions = true, description = {
            "Let one maintenance workstation boot the image's work copy (writable) instead of its own disk.",
            "One at a time; --done gives it back its own disk. Then 'icbd image publish' makes the next version."})
    static final class Edit extends VolumeCommand.Named {
        @Option(names = "--workstation", paramLabel = "NAME", description = "The workstation that boots the work copy.")
        String workstation;
        @Option(names = "--done", description = "End the edit: the workstation boots its own disk again.")
        boolean done;

        @Override
        void run(VolumeManager m) throws Exception {
            if (done == (workstation != null)) {
                throw new ParameterException(spec.commandLine(), "give either --workstation NAME (start editing) or --done (end it)");
            }
            ImageMaintenance images = new ImageMaintenance(m);
            if (done) {
                String w = images.done(name());
                tellNode(m);
                out().println("workstation " + w + " boots its own disk again (at its next boot); publish the edit with: icbd image publish " + name);
            } else {
                images.edit(name(), new VolumeName(workstation));
                tellNode(m);
                out().println("workstation " + workstation + " boots image " + name + "'s work copy (writable) from its next boot;"
                        + " end with: icbd image edit " + name + " --done");
            }
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = false, description = {
            "Point the image at a version: workstations following it boot that one (a rollback, or forward again).",
            "Reset-on-boot workstations move at their next boot, persistent ones at their next 'workstation reset'."})
    static final class SetImage extends VolumeCommand.Named {
        @Mixin
        HelpOnly help;
        @Option(names = "--current", required = true, paramLabel = "N", description = "The version to boot (0: always the newest).")
        int current;

        @Override
        void run(VolumeManager m) throws Exception {
            CatalogState.Image i = new ImageMaintenance(m).setCurrent(name(), current);
            tellNode(m);
            out().println("image " + i.name() + ": current version @" + i.currentVersion() + (i.current() == 0 ? " (the newest)" : " (of " + i.versions() + ")"));
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true, description = {
            "Delete the image's versions nothing uses: not the newest N, nor one a workstation, group, clone or LUN map uses."})
    static final class Prune extends VolumeCommand.Named {
        @Option(names = "--keep", required = true, paramLabel = "N", description = "How many of the newest versions to keep (1 or more).")
        int keep;

        @Override
        void run(VolumeManager m) throws Exception {
            ImageMaintenance.Pruned p = new ImageMaintenance(m).prune(name(), keep);
            out().println(p.deleted().isEmpty() ? "no version of " + name + " deleted"
                    : "deleted " + p.deleted().stream().map(v -> name + "@" + v).collect(Collectors.joining(", ")));
            p.kept().forEach((v, why) -> out().println("kept " + name + "@" + v + ": " + why));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an image and all its versions (refused while clones use it).")
    static final class Delete extends VolumeCommand.Named {
        @Override
        void run(VolumeManager m) throws Exception {
            m.deleteImage(name());
        }
    }
}
