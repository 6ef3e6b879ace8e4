package org.icbd.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.zookeeper.server.ServerConfig;
import org.apache.zookeeper.server.ZooKeeperServerMain;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.icbd.config.HostPort;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code icbd zookeeper}: a standalone ZooKeeper server from the same jar, for an arbiter or a lab. A
 * production site runs a 3- or 5-server ensemble (for example Debian's zookeeperd), so that losing one
 * machine loses neither the election nor the cluster's state.
 */
@Command(name = "zookeeper", mixinStandardHelpOptions = true,
        description = {"Run a standalone ZooKeeper server (for a lab, a test, or a small arbiter).",
                "Its tick is 500 ms, so sessions from 1 s to 10 s are honoured as asked (icbd nodes ask for 3 s)."})
final class ZooKeeperCommand implements Callable<Integer> {

    /** ZooKeeper allows session timeouts from 2 to 20 ticks; 500 ms lets a node have the 3 s it asks for. */
    private static final int TICK_MS = 500;

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:2181", converter = HostPortConverters.Portal.class,
            description = "Client address (default: ${DEFAULT-VALUE}).")
    HostPort listen;

    @Option(names = "--data", paramLabel = "DIR", required = true, description = "Directory for the snapshots and the transaction log.")
    Path data;

    @Override
    public Integer call() throws Exception {
        try {
            Files.createDirectories(data);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--data: cannot create " + data + ": " + e.getMessage());
        }
        System.setProperty("zookeeper.admin.enableServer", "false");
        Properties p = new Properties();
        p.setProperty("dataDir", data.toAbsolutePath().toString());
        p.setProperty("clientPort", Integer.toString(listen.port()));
        p.setProperty("clientPortAddress", listen.host());
        p.setProperty("tickTime", Integer.toString(TICK_MS));
        p.setProperty("maxSessionTimeout", Integer.toString(20 * TICK_MS));
        QuorumPeerConfig quorum = new QuorumPeerConfig();
        quorum.parseProperties(p);
        ServerConfig config = new ServerConfig();
        config.readFrom(quorum);
        spec.commandLine().getOut().println("ZooKeeper listening on " + listen + ", data in " + data);
        spec.commandLine().getOut().flush();
        new ZooKeeperServerMain().runFromConfig(config);
        return 0;
    }
}
