package org.icbd.cli;

import java.io.IOException;
import java.util.Optional;
import org.icbd.config.IscsiNames;
import org.icbd.volume.CatalogState;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code icbd lun ...}: which volumes a target serves, kept in the catalog. {@code icbd serve} adds
 * the mapped LUNs to the configuration's target of the same IQN when it starts, and a running one
 * applies every map and unmap at once.
 */
@Command(name = "lun", mixinStandardHelpOptions = true, description = "Map clones and versions onto targets as LUNs.",
        subcommands = {LunCommand.MapLun.class, LunCommand.Unmap.class, LunCommand.ListLuns.class})
final class LunCommand extends CommandGroup {

    static String target(CommandSpec spec, String iqn) {
        Optional<String> bad = IscsiNames.problem(iqn);
        if (bad.isPresent()) throw new ParameterException(spec.commandLine(), "--target: " + bad.get());
        return iqn;
    }

    @Command(name = "map", mixinStandardHelpOptions = false,
            description = {"Serve a clone (read-write) or a version (read-only) as a LUN of a target of the configuration.",
                    "A running 'icbd serve' serves it at once; its sessions on the target get REPORTED LUNS DATA HAS CHANGED."})
    static final class MapLun extends VolumeCommand {
        @Mixin
        HelpOnly help;
        @Option(names = "--target", required = true, paramLabel = "IQN")
        String target;

        // plain options checked in run(): a required picocli ArgGroup made '--help' an error ("Missing required option")
        @Option(names = "--clone", paramLabel = "NAME", description = "A clone, served read-write (exactly one of --clone and --version).")
        String clone;
        @Option(names = "--version", paramLabel = "IMAGE@N", description = "A version, served read-only.")
        String version;

        @Option(names = "--lun", paramLabel = "N", defaultValue = "-1", description = "LUN number (default: the lowest free one).")
        long lun;

        @Override
        void run(VolumeManager m) throws Exception {
            String iqn = target(spec, target);
            if ((clone == null) == (version == null)) {
                throw new ParameterException(spec.commandLine(), "give exactly one of --clone NAME and --version IMAGE@N");
            }
            CatalogState.LunMap map;
            if (clone != null) {
                map = m.mapLun(iqn, lun, new VolumeName(clone), null, 0);
            } else {
                VersionSpec v = VersionSpec.parse(version);
                map = m.mapLun(iqn, lun, null, v.image(), v.version());
            }
            out().println("LUN " + map.lun() + " of " + map.target() + ": " + describe(map));
            warnUnserved(this, m);
        }
    }

    @Command(name = "unmap", mixinStandardHelpOptions = true, description = {"Stop serving a LUN. A running 'icbd serve' lets the commands running on it end, then",
            "answers it LOGICAL UNIT NOT SUPPORTED; its sessions on the target get REPORTED LUNS DATA HAS CHANGED."})
    static final class Unmap extends VolumeCommand {
        @Option(names = "--target", required = true, paramLabel = "IQN")
        String target;
        @Option(names = "--lun", required = true, paramLabel = "N")
        long lun;

        @Override
        void run(VolumeManager m) throws Exception {
            m.unmapLun(target(spec, target), lun);
            warnUnserved(this, m);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List mapped LUNs.")
    static final class ListLuns extends VolumeCommand {
        @Override
        void run(VolumeManager m) throws Exception {
            out().printf("%-48s %5s  %s%n", "TARGET", "LUN", "VOLUME");
            for (CatalogState.LunMap map : m.state().luns()) {
                out().printf("%-48s %5d  %s%n", map.target(), map.lun(), describe(map));
            }
        }
    }

    /** Tells a running node; what it could not serve (a LUN number its configuration uses, say) is printed. */
    static void warnUnserved(VolumeCommand command, VolumeManager m) throws IOException {
        for (String problem : VolumeCommand.tellNode(m)) command.err().println("warning: the running node: " + problem);
    }

    static String describe(CatalogState.LunMap map) {
        return map.cloneName() != null ? "clone " + map.cloneName() + " (read-write)" : "version " + map.version() + " (read-only)";
    }
}
