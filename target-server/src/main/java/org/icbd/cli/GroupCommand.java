package org.icbd.cli;

import java.util.ArrayList;
import java.util.List;
import org.icbd.group.Groups;
import org.icbd.volume.CatalogState;
import org.icbd.volume.DiskMode;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code icbd group ...}: what new workstations of a group get (image, version, disk mode), the version its
 * members boot, and the networks they may boot from.
 */
@Command(name = "group", mixinStandardHelpOptions = true, description = "Groups of workstations: image, version, mode, networks.",
        subcommands = {GroupCommand.Add.class, GroupCommand.ListGroups.class, GroupCommand.Show.class, GroupCommand.Set.class,
                GroupCommand.Remove.class})
final class GroupCommand extends CommandGroup {

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a group.")
    static final class Add extends VolumeCommand.Named {
        @Option(names = "--image", required = true, paramLabel = "IMAGE[@N]",
                description = "Its image; with @N its members boot version N, else the image's current version.")
        String image;
        @Option(names = "--mode", defaultValue = "persistent", paramLabel = "MODE",
                description = "The disk mode new members get: persistent or reset-on-boot; default ${DEFAULT-VALUE}.")
        String mode;
        @Option(names = "--network", paramLabel = "CIDR",
                description = "A network its members boot from (repeatable; none: any the site answers). Unknown MACs booting from it join it.")
        List<String> networks = new ArrayList<>();

        @Override
        void run(VolumeManager m) throws Exception {
            CatalogState.Group g = new Groups(m).add(name(), VersionSpec.parseOrNewest(image), DiskMode.parse(mode), networks);
            tellNode(m);
            out().println("group " + g.name() + ": " + describe(m.state(), g));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List groups.")
    static final class ListGroups extends VolumeCommand {
        @Override
        void run(VolumeManager m) throws Exception {
            CatalogState state = m.state();
            out().printf("%-20s %-16s %-8s %-14s %-8s %s%n", "GROUP", "IMAGE", "BOOTS", "MODE", "MEMBERS", "NETWORKS");
            for (CatalogState.Group g : state.groups().values()) {
                out().printf("%-20s %-16s %-8s %-14s %-8d %s%n", g.name(), g.image() + (g.version() == 0 ? "" : "@" + g.version()),
                        "@" + Groups.version(state, g), g.mode(), state.membersOf(g.name()).size(),
                        g.networks().isEmpty() ? "any" : String.join(",", g.networks()));
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one group and its workstations.")
    static final class Show extends VolumeCommand.Named {
        @Override
        void run(VolumeManager m) throws Exception {
            CatalogState state = m.state();
            CatalogState.Group g = new Groups(m).info(name());
            out().println("group " + g.name());
            out().println("  image     " + g.image() + (g.version() == 0 ? " (follows its current version, now @" + Groups.version(state, g) + ")"
                    : " pinned to @" + g.version()));
            out().println("  mode      " + g.mode() + " (for new members)");
            out().println("  networks  " + (g.networks().isEmpty() ? "any the site answers" : String.join(", ", g.networks())));
            out().println("  members   " + String.join(", ", state.membersOf(g.name())));
            out().println("  created   " + g.created());
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = false, description = {"Change a group.",
            "A new version moves its members: reset-on-boot ones at their next boot, persistent ones at their next 'workstation reset'."})
    static final class Set extends VolumeCommand.Named {
        @Mixin
        HelpOnly help;
        @Option(names = "--image", paramLabel = "IMAGE[@N]", description = "Its image and version (IMAGE alone: the image's current version).")
        String image;
        @Option(names = "--version", paramLabel = "N", description = "Move it to version N of its image (0: the image's current version).")
        Integer version;
        @Option(names = "--mode", paramLabel = "MODE", description = "The disk mode new members get.")
        String mode;
        @Option(names = "--network", paramLabel = "CIDR", description = "Its networks, replacing the ones it had (repeatable).")
        List<String> networks;
        @Option(names = "--any-network", description = "Let its members boot from any network the site answers.")
        boolean anyNetwork;

        @Override
        void run(VolumeManager m) throws Exception {
            Groups groups = new Groups(m);
            VersionSpec spec = image == null ? null : VersionSpec.parseOrNewest(image);
            if (version != null) spec = new VersionSpec(spec == null ? new VolumeName(groups.info(name()).image()) : spec.image(), version);
            List<String> nets = anyNetwork ? List.of() : networks;
            CatalogState.Group g = groups.set(name(), new Groups.Change(spec, mode == null ? null : DiskMode.parse(mode), nets));
            tellNode(m);
            out().println("group " + g.name() + ": " + describe(m.state(), g));
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a group (refused while it has workstations).")
    static final class Remove extends VolumeCommand.Named {
        @Override
        void run(VolumeManager m) throws Exception {
            CatalogState.Group g = new Groups(m).remove(name());
            tellNode(m);
            out().println("group " + g.name() + " removed");
        }
    }

    static String describe(CatalogState state, CatalogState.Group g) {
        return g.image() + (g.version() == 0 ? " (current, now @" + Groups.version(state, g) + ")" : "@" + g.version()) + ", " + g.mode()
                + " for new members, networks " + (g.networks().isEmpty() ? "any" : String.join(", ", g.networks()))
                + ", " + state.membersOf(g.name()).size() + " members";
    }
}
