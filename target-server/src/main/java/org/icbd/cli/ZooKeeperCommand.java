package org.icbd.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.zookeeper.server.ServerConfig;
import org.apache.zookeeper.server.ZooKeeperServerMain;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.apache.zookeeper.server.quorum.QuorumPeerMain;
import org.icbd.config.HostPort;
import org.icbd.zookeeper.EnsembleServer;
import org.icbd.zookeeper.ZooKeeperServerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code icbd zookeeper}: a ZooKeeper server from the same jar: standalone (an arbiter or a lab), or one
 * server of a 3- or 5-server ensemble, so that losing one machine loses neither the election nor the
 * cluster's state.
 */
@Command(name = "zookeeper", mixinStandardHelpOptions = true,
        description = {"Run a ZooKeeper server: standalone (a lab, a test, or a two-node site's arbiter), or with --id and a",
                "--server for every server (this one included), one server of an ensemble of 3 or more.",
                "Its tick is 500 ms, so sessions from 1 s to 10 s are honoured as asked (icbd nodes ask for 3 s)."})
final class ZooKeeperCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:2181", converter = HostPortConverters.Portal.class,
            description = "Client address (default: ${DEFAULT-VALUE}).")
    HostPort listen;

    @Option(names = "--data", paramLabel = "DIR", required = true, description = "Directory for the snapshots and the transaction log.")
    Path data;

    @Option(names = "--id", paramLabel = "N", defaultValue = "0",
            description = "This server's id in the ensemble (its myid, 1 to 255; written to DIR/myid).")
    int id;

    @Option(names = "--server", paramLabel = "ID=HOST:QUORUM_PORT:ELECTION_PORT",
            description = "A server of the ensemble (repeat for each, this one included), e.g. 1=10.0.0.11:2888:3888.")
    List<String> servers = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        ZooKeeperServerSettings settings;
        try {
            settings = new ZooKeeperServerSettings(listen, data, id, servers.stream().map(EnsembleServer::parse).toList());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try {
            Files.createDirectories(data);
            if (!settings.standalone()) Files.writeString(data.resolve("myid"), settings.myIdFile(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--data: cannot write to " + data + ": " + e.getMessage());
        }
        System.setProperty("zookeeper.admin.enableServer", "false");
        QuorumPeerConfig quorum = new QuorumPeerConfig();
        quorum.parseProperties(settings.properties());
        var out = spec.commandLine().getOut();
        if (settings.standalone()) {
            out.println("ZooKeeper listening on " + listen + ", data in " + data);
            out.flush();
            ServerConfig config = new ServerConfig();
            config.readFrom(quorum);
            new ZooKeeperServerMain().runFromConfig(config);
        } else {
            out.println("ZooKeeper server " + id + " of " + settings.ensemble().size() + " listening on " + listen + ", data in " + data);
            out.flush();
            new QuorumPeerMain().runFromConfig(quorum);
        }
        return 0;
    }
}
