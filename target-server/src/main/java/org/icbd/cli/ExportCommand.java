package org.icbd.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.icbd.config.ChapConfig;
import org.icbd.config.HostPort;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code icbd export}: serves image files as LUNs of one target, without a config file (like qemu-nbd). */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve image files over iSCSI as LUN 0, 1, ... of one target, without a config file.",
                "Stops cleanly (flushing every image) on SIGTERM or Ctrl-C."},
        footer = {"", "Example:", "  icbd export disk.img base.img,ro --portal 0.0.0.0:3260 --chap ws01:0123456789ab"})
final class ExportCommand implements Callable<Integer> {

    static final String DEFAULT_IQN = "iqn.2026-11.org.icbd:export";

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE[,ro]",
            description = "Image files, served in this order as LUN 0, 1, ...; ',ro' serves one read-only.")
    List<String> files = new ArrayList<>();

    @Option(names = "--portal", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:3260",
            converter = HostPortConverters.Portal.class,
            description = "Address to listen on; port 0 picks a free port (default: ${DEFAULT-VALUE}).")
    HostPort portal;

    @Option(names = "--target", paramLabel = "IQN", defaultValue = DEFAULT_IQN,
            description = "Target name (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--chap", paramLabel = "USER:SECRET", converter = ChapConverter.class,
            description = "Require one-way CHAP from initiators (secret: 12 to 16 characters).")
    ChapConfig chap;

    @Option(names = "--mutual-chap", paramLabel = "USER:SECRET", converter = ChapConverter.class,
            description = "Credentials the target proves to the initiator (mutual CHAP; needs --chap).")
    ChapConfig mutualChap;

    @Option(names = "--allow", paramLabel = "IQN", description = "Admit only this initiator (repeatable; default: any).")
    List<String> allow = new ArrayList<>();

    @Option(names = "--open", description = "Serve to any initiator without CHAP or an allow list (needed for a non-loopback --portal without --chap/--allow).")
    boolean open;

    @Option(names = "--block-size", paramLabel = "BYTES", defaultValue = "512",
            description = "Logical block size, 512 or 4096 (default: ${DEFAULT-VALUE}).")
    int blockSize;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", converter = HostPortConverters.Metrics.class,
            description = "Serve Prometheus metrics on http://HOST:PORT/metrics (default: off).")
    HostPort metrics;

    @Option(names = "--cache", paramLabel = "MIB|off",
            description = "Read cache size in MiB, or off (default: a quarter of the heap).")
    String cache;

    @Override
    public Integer call() throws Exception {
        List<ExportSpec> specs = new ArrayList<>();
        for (String f : files) {
            try {
                specs.add(ExportSpec.parse(f));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        AdHocExport export = new AdHocExport(portal, Optional.ofNullable(metrics), target, specs, blockSize,
                Optional.ofNullable(chap), Optional.ofNullable(mutualChap), allow, open, Optional.ofNullable(cache));
        RunningAppliance app = RunningAppliance.start(export.toConfig());
        app.printAddresses(spec.commandLine().getOut());
        return Foreground.runUntilSignalled(app);
    }
}
