package org.icbd.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.icbd.volume.CatalogState;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code icbd image ...}: golden images and their published, read-only versions. */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Golden images and their versions.",
        subcommands = {ImageCommand.Import.class, ImageCommand.ListImages.class, ImageCommand.Publish.class,
                ImageCommand.Delete.class})
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
            out().printf("%-24s %8s %6s  %s%n", "IMAGE", "VERSIONS", "CLONES", "CREATED");
            for (CatalogState.Image i : s.images().values()) {
                long clones = s.clones().values().stream().filter(c -> c.image().equals(i.name())).count();
                out().printf("%-24s %8d %6d  %s%n", i.name(), i.versions(), clones, i.created());
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

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an image and all its versions (refused while clones use it).")
    static final class Delete extends VolumeCommand.Named {
        @Override
        void run(VolumeManager m) throws Exception {
            m.deleteImage(name());
        }
    }
}
