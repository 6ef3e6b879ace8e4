package org.icbd.cli;

import java.util.ArrayList;
import java.util.List;
import org.icbd.volume.CatalogState;
import org.icbd.volume.DiskMode;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeException;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import org.icbd.workstation.MacAddress;
import org.icbd.workstation.Workstations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code icbd workstation ...}: the machines that boot from this node, each with its MACs, its image,
 * its disk mode, its own disk, target and CHAP secret. A running node serves every change at once.
 */
@Command(name = "workstation", mixinStandardHelpOptions = true, description = "Workstations: MACs, image, disk mode, own disk and CHAP.",
        subcommands = {WorkstationCommand.Add.class, WorkstationCommand.ListWorkstations.class, WorkstationCommand.Show.class,
                WorkstationCommand.Set.class, WorkstationCommand.Remove.class, WorkstationCommand.Reset.class})
final class WorkstationCommand extends CommandGroup {

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a workstation and make its disk (a clone of its image).")
    static final class Add extends VolumeCommand.Named {
        @Option(names = "--mac", required = true, paramLabel = "MAC", description = "Its MAC address (repeatable: one per network card).")
        List<String> macs;
        @Option(names = "--image", paramLabel = "IMAGE[@N]", description = "Its image; with @N pinned to that version (default: its group's).")
        String image;
        @Option(names = "--mode", paramLabel = "MODE",
                description = "persistent (keeps its writes) or reset-on-boot (loses them at every boot); default: its group's, else persistent.")
        String mode;
        @Option(names = "--group", paramLabel = "GROUP", description = "Its group: it gets the group's image and mode and follows its version.")
        String group;
        @Option(names = "--iqn-prefix", defaultValue = Workstations.DEFAULT_IQN_PREFIX, paramLabel = "IQN",
                description = "Its target is PREFIX:NAME (default ${DEFAULT-VALUE}).")
        String iqnPrefix;

        @Override
        void run(VolumeManager m) throws Exception {
            List<MacAddress> parsed = macs.stream().map(MacAddress::parse).toList();
            requireRoom(m, "add a workstation");
            CatalogState.Workstation w = new Workstations(m).add(name(), parsed, image == null ? null : VersionSpec.parseOrNewest(image),
                    mode == null ? null : DiskMode.parse(mode), iqnPrefix, group == null ? null : new VolumeName(group).value());
            tellNode(m);
            if (!m.disksHere()) out().println(LeaderDisks.await(m, w.clone()));
            out().println("workstation " + w.name() + " (" + String.join(", ", w.macs()) + "): " + w.mode() + " disk of " + w.image()
                    + (w.version() == 0 ? " (follows " + (w.group() == null ? "its current version" : "group " + w.group()) + ")" : "@" + w.version())
                    + ", target " + w.iqn() + ", CHAP user " + w.user());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List workstations.")
    static final class ListWorkstations extends VolumeCommand {
        @Override
        void run(VolumeManager m) throws Exception {
            CatalogState state = m.state();
            out().printf("%-20s %-14s %-16s %-12s %-10s %-38s %s%n", "WORKSTATION", "MODE", "IMAGE", "GROUP", "DISK", "MACS", "TARGET");
            for (CatalogState.Workstation w : state.workstations().values()) {
                CatalogState.Clone c = state.clones().get(w.clone());
                out().printf("%-20s %-14s %-16s %-12s %-10s %-38s %s%n", w.name(), w.mode(), w.image() + (w.version() == 0 ? "" : "@" + w.version()),
                        w.group() == null ? "-" : w.group(), c == null ? "-" : c.image() + "@" + c.version(), String.join(",", w.macs()), w.iqn());
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one workstation (its CHAP secret only with --secret).")
    static final class Show extends VolumeCommand.Named {
        @Option(names = "--secret", description = "Also print its CHAP secret.")
        boolean secret;

        @Override
        void run(VolumeManager m) throws Exception {
            CatalogState.Workstation w = m.workstationInfo(name());
            CatalogState.Clone c = m.state().clones().get(w.clone());
            out().println("workstation " + w.name());
            out().println("  macs      " + String.join(", ", w.macs()));
            out().println("  image     " + w.image() + (w.version() == 0 ? " (follows its " + (w.group() == null ? "image" : "group") + ")" : " pinned to @" + w.version()));
            out().println("  mode      " + w.mode());
            out().println("  group     " + (w.group() == null ? "-" : w.group()));
            out().println("  boots     " + m.state().editedBy(w.name()).map(i -> "image " + i.name() + "'s work copy ('icbd image edit')")
                    .orElse(w.image() + "@" + VolumeManager.bootVersion(m.state(), w)));
            out().println("  disk      clone " + w.clone() + (c == null ? "" : " of " + c.image() + "@" + c.version()));
            out().println("  target    " + w.iqn());
            out().println("  chap      user " + w.user() + ", secret " + (secret ? w.secret() : "(hidden; --secret shows it)"));
            out().println("  created   " + w.created());
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = false, description = {"Change a workstation's MACs, mode or version.",
            "Its disk moves to another version only when it is reset (reset-on-boot: at its next boot)."})
    static final class Set extends VolumeCommand.Named {
        @Mixin
        HelpOnly help;
        @Option(names = "--add-mac", paramLabel = "MAC")
        List<String> addMacs = new ArrayList<>();
        @Option(names = "--remove-mac", paramLabel = "MAC")
        List<String> removeMacs = new ArrayList<>();
        @Option(names = "--mode", paramLabel = "MODE", description = "persistent or reset-on-boot.")
        String mode;
        @Option(names = "--version", paramLabel = "N", description = "Pin it to version N of its image (0: follow its group or image).")
        Integer version;
        @Option(names = "--group", paramLabel = "GROUP", description = "Move it to group GROUP (of its image).")
        String group;
        @Option(names = "--no-group", description = "Take it out of its group.")
        boolean noGroup;

        @Override
        void run(VolumeManager m) throws Exception {
            List<String> add = addMacs.stream().map(s -> MacAddress.parse(s).value()).toList();
            List<String> remove = removeMacs.stream().map(s -> MacAddress.parse(s).value()).toList();
            DiskMode newMode = mode == null ? null : DiskMode.parse(mode);
            CatalogState.Workstation w = m.updateWorkstation(name(), x -> {
                List<String> macs = new ArrayList<>(x.macs());
                macs.removeAll(remove);
                for (String a : add) if (!macs.contains(a)) macs.add(a);
                if (macs.isEmpty()) {
                    throw new VolumeException(VolumeException.Kind.INVALID,
                            "a workstation keeps at least one MAC; remove the workstation instead");
                }
                CatalogState.Workstation next = x.with(macs, x.image(), version == null ? x.version() : version, newMode == null ? x.mode() : newMode);
                return noGroup ? next.inGroup(null) : group != null ? next.inGroup(new VolumeName(group).value()) : next;
            });
            tellNode(m);
            out().println("workstation " + w.name() + ": " + w.mode() + ", " + w.image() + (w.version() == 0 ? " (follows its " + (w.group() == null ? "image" : "group " + w.group()) + ")" : "@" + w.version())
                    + ", MACs " + String.join(", ", w.macs()));
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a workstation and delete its disk (its sessions end).")
    static final class Remove extends VolumeCommand.Named {
        @Override
        void run(VolumeManager m) throws Exception {
            CatalogState.Workstation w = m.removeWorkstation(name());
            tellNode(m);
            out().println("workstation " + w.name() + " removed, its disk deleted");
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = false, description = {
            "Throw a workstation's writes away: its disk becomes the version it boots (or --version N, which pins it there).",
            "A persistent workstation moves to a newly published version only this way."})
    static final class Reset extends VolumeCommand.Named {
        @Mixin
        HelpOnly help;
        @Option(names = "--version", paramLabel = "N", defaultValue = "0")
        int version;

        @Override
        void run(VolumeManager m) throws Exception {
            CatalogState.Workstation w = m.workstationInfo(name());
            if (version != 0 && version != w.version()) {
                w = m.updateWorkstation(name(), x -> x.with(x.macs(), x.image(), version, x.mode()));
                tellNode(m);
            }
            int v = VolumeManager.bootVersion(m.state(), w);
            out().println(CloneResets.reset(m, new VolumeName(w.clone()), v));
        }
    }
}
