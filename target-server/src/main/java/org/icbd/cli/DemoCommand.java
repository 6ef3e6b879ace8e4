package org.icbd.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.icbd.config.HostPort;
import org.icbd.config.IcbdConfig;
import org.icbd.config.VolumeLuns;
import org.icbd.config.TargetConfig;
import org.icbd.iscsi.IscsiSettings;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code icbd demo}: the product in one command. A data root with a small golden image, its first
 * published version and one workstation clone, served as LUN 0 (the clone, read-write) and LUN 1
 * (the version, read-only). Made once; later runs serve what is there, writes included.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Create a demo image (64 MiB, sparse), publish version 1, clone it as workstation 'demo-ws01'",
                "in the data directory if missing, and serve the clone (LUN 0, read-write) and the version (LUN 1, read-only)."})
final class DemoCommand implements Callable<Integer> {

    static final String IQN = "iqn.2026-11.org.icbd:demo";
    static final VolumeName IMAGE = new VolumeName("demo");
    static final VolumeName CLONE = new VolumeName("demo-ws01");
    private static final long SIZE = 64L << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--portal", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:3260",
            converter = HostPortConverters.Portal.class, description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    HostPort portal;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "icbd-data",
            description = "The demo's data root (default: ./${DEFAULT-VALUE}); on btrfs, versions and clones are snapshots.")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        DataRootOption root = new DataRootOption();
        root.dataRoot = dataDir;
        VolumeManager volumes = root.open(spec.commandLine().getErr());
        prepare(volumes, out);
        // a demo disk holds nothing worth protecting, and the portal is loopback unless the user says otherwise
        TargetConfig target = new TargetConfig(IQN, "icbd demo", List.of(
                VolumeLuns.cloneLun(volumes, 0, CLONE, 512, true), VolumeLuns.versionLun(volumes, 1, IMAGE, 1, 512, true)),
                Optional.empty(), Optional.empty(), List.of());
        IcbdConfig config = new IcbdConfig(List.of(portal), Optional.empty(), IscsiSettings.defaults(), Optional.empty(),
                List.of(target));
        RunningAppliance app = RunningAppliance.start(config);
        app.printAddresses(out);
        InetSocketAddress bound = app.portals().get(0);
        out.println("boot it from iPXE with:");
        out.println("  " + IpxeLun.sanboot(RunningAppliance.urlHost(bound).replaceAll("^\\[|]$", ""), bound.getPort(), 0, IQN));
        out.flush();
        return Foreground.runUntilSignalled(app);
    }

    /** Makes whatever of image, version 1 and clone is missing; keeps what exists (and what was written to it). */
    private static void prepare(VolumeManager volumes, PrintWriter out) throws IOException {
        var state = volumes.state();
        if (!state.images().containsKey(IMAGE.value())) {
            Path blank = Files.createTempFile(volumes.layout().root(), ".demo-", ".img");
            try {
                try (RandomAccessFile f = new RandomAccessFile(blank.toFile(), "rw")) {
                    f.setLength(SIZE); // sparse: takes no space until written
                }
                volumes.importImage(IMAGE, blank, done -> { });
            } finally {
                Files.deleteIfExists(blank);
            }
            out.println("created image " + IMAGE + " (" + (SIZE >> 20) + " MiB) in " + volumes.layout().root());
        }
        if (volumes.state().images().get(IMAGE.value()).versions() == 0) {
            volumes.publish(IMAGE);
            out.println("published " + IMAGE + "@1");
        }
        if (!volumes.state().clones().containsKey(CLONE.value())) {
            volumes.createClone(IMAGE, 1, CLONE);
            out.println("cloned " + IMAGE + "@1 as workstation disk " + CLONE);
        }
    }
}
