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
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code icbd demo}: one disk to try a client against. For now a sparse image file; this is
 * where btrfs images, versions and clones will be shown.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Create ./icbd-data/demo.img (64 MiB, sparse) if missing and serve it read-write.")
final class DemoCommand implements Callable<Integer> {

    static final String IQN = "iqn.2026-11.org.icbd:demo";
    private static final long SIZE = 64L << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--portal", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:3260",
            converter = HostPortConverters.Portal.class, description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    HostPort portal;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "icbd-data",
            description = "Where the demo image lives (default: ./${DEFAULT-VALUE}).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        Path image = createSparse(dataDir.resolve("demo.img"));
        AdHocExport export = new AdHocExport(portal, Optional.empty(), IQN, List.of(new ExportSpec(image, false)), 512,
                Optional.empty(), Optional.empty(), List.of(), true); // a demo disk holds nothing worth protecting
        RunningAppliance app = RunningAppliance.start(export.toConfig());
        PrintWriter out = spec.commandLine().getOut();
        app.printAddresses(out);
        InetSocketAddress bound = app.portals().get(0);
        out.println("boot it from iPXE with:");
        out.println("  " + IpxeLun.sanboot(RunningAppliance.urlHost(bound).replaceAll("^\\[|]$", ""), bound.getPort(), 0, IQN));
        out.flush();
        return Foreground.runUntilSignalled(app);
    }

    private static Path createSparse(Path image) throws IOException {
        if (Files.exists(image)) return image;
        Files.createDirectories(image.getParent());
        // setLength extends without writing: the file takes no space until blocks are written
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(SIZE);
        }
        return image;
    }
}
