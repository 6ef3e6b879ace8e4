package org.icbd.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.icbd.config.ConfigLoader;
import org.icbd.config.IcbdConfig;
import org.icbd.config.StaticTargetRegistry;
import org.icbd.config.TargetConfig;
import org.icbd.node.ClusterAdmin;
import org.icbd.node.LunStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code icbd serve}: serves the targets of the node's configuration file. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the targets, LUNs, CHAP and ACLs of a YAML configuration file.",
                "Stops cleanly (flushing every image) on SIGTERM or Ctrl-C."})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = IcbdConfig.DEFAULT_PATH,
            description = "Configuration file (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--check", description = {"Only check the configuration (and that every image opens), then exit.",
            "A cluster node first copies the leader's catalog from ZooKeeper, as it does when it starts, so a new standby's clones are known."})
    boolean check;

    @Override
    public Integer call() throws Exception {
        ConfigLoader loader = new ConfigLoader();
        var home = loader.clusterHome(config);
        // a standby resolves its clone LUNs against the leader's catalog, so a check must see that catalog too
        if (home.isPresent()) ClusterAdmin.mirrorCatalog(home.get().cluster(), home.get().dataRoot());
        IcbdConfig cfg = loader.load(config);
        if (check) {
            // a standby opens only what it holds: the rest arrives by replication, as when it serves
            List<TargetConfig> here = cfg.cluster().isPresent() ? cfg.targets().stream().map(TargetConfig::presentPart).toList() : cfg.targets();
            StaticTargetRegistry.open(here, cfg.discoveryChap(), cfg.iscsi().maxCommandBytes(), LunStack.files()).close();
            int luns = cfg.targets().stream().mapToInt(t -> t.luns().size()).sum();
            int opened = here.stream().mapToInt(t -> t.luns().size()).sum();
            String arriving = opened < luns ? " (" + (luns - opened) + " not here yet: they arrive by replication)" : "";
            spec.commandLine().getOut().println(config + ": OK, " + cfg.targets().size() + " target(s), " + luns + " LUN(s)" + arriving);
            return 0;
        }
        RunningAppliance app = RunningAppliance.start(cfg, () -> loader.load(config));
        app.printAddresses(spec.commandLine().getOut());
        return Foreground.runUntilSignalled(app);
    }
}
