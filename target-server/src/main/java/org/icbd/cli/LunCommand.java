package org.icbd.cli;

import java.util.Optional;
import org.icbd.config.IscsiNames;
import org.icbd.volume.CatalogState;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code icbd lun ...}: which volumes a target serves, kept in the catalog. {@code icbd serve} adds
 * the mapped LUNs to the configuration's target of the same IQN when it starts.
 */
@Command(name = "lun", mixinStandardHelpOptions = true, description = "Map clones and versions onto targets as LUNs.",
        subcommands = {LunCommand.MapLun.class, LunCommand.Unmap.class, LunCommand.ListLuns.class})
final class LunCommand extends CommandGroup {

    static String target(CommandSpec spec, String iqn) {
        Optional<String> bad = IscsiNames.problem(iqn);
        if (bad.isPresent()) throw new ParameterException(spec.commandLine(), "--target: " + bad.get());
        return iqn;
    }

    @Command(name = "map", mixinStandardHelpOptions = true,
            description = "Serve a clone (read-write) or a version (read-only) as a LUN of a target, from the next start of 'icbd serve'.")
    static final class MapLun extends VolumeCommand {
        @Option(names = "--target", required = true, paramLabel = "IQN")
        String target;

        @ArgGroup(multiplicity = "1")
        Source source;

        static final class Source {
            @Option(names = "--clone", required = true, paramLabel = "NAME")
            String clone;
            @Option(names = "--version", required = true, paramLabel = "IMAGE@N")
            String version;
        }

        @Option(names = "--lun", paramLabel = "N", defaultValue = "-1", description = "LUN number (default: the lowest free one).")
        long lun;

        @Override
        void run(VolumeManager m) throws Exception {
            String iqn = target(spec, target);
            CatalogState.LunMap map;
            if (source.clone != null) {
                map = m.mapLun(iqn, lun, new VolumeName(source.clone), null, 0);
            } else {
                VersionSpec v = VersionSpec.parse(source.version);
                map = m.mapLun(iqn, lun, null, v.image(), v.version());
            }
            out().println("LUN " + map.lun() + " of " + map.target() + ": " + describe(map));
        }
    }

    @Command(name = "unmap", mixinStandardHelpOptions = true, description = "Stop serving a LUN (from the next start of 'icbd serve').")
    static final class Unmap extends VolumeCommand {
        @Option(names = "--target", required = true, paramLabel = "IQN")
        String target;
        @Option(names = "--lun", required = true, paramLabel = "N")
        long lun;

        @Override
        void run(VolumeManager m) throws Exception {
            m.unmapLun(target(spec, target), lun);
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

    static String describe(CatalogState.LunMap map) {
        return map.cloneName() != null ? "clone " + map.cloneName() + " (read-write)" : "version " + map.version() + " (read-only)";
    }
}
