package org.icbd.cli;

import java.nio.file.Path;
import org.icbd.config.ClusterSettings;
import org.icbd.config.ConfigException;
import org.icbd.config.ConfigLoader;
import org.icbd.config.IcbdConfig;
import picocli.CommandLine.Option;

/** {@code --config}: the node's configuration file, read for its 'cluster' section only. */
final class ClusterConfigOption {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = IcbdConfig.DEFAULT_PATH,
            description = "This node's configuration file (default: ${DEFAULT-VALUE}).")
    Path config;

    ClusterSettings cluster() throws ConfigException {
        return home().cluster();
    }

    /** The cluster section and this node's data root. */
    ConfigLoader.ClusterHome home() throws ConfigException {
        return new ConfigLoader().clusterHome(config)
                .orElseThrow(() -> new ConfigException(config.toString(), "has no 'cluster' section; this node is not in a cluster"));
    }
}
