package org.icbd.zookeeper;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.icbd.config.HostPort;

/**
 * What {@code icbd zookeeper} runs: a standalone server (no ensemble: a lab or a two-node site's arbiter)
 * or server {@code myId} of an ensemble of 3 or more, rendered as ZooKeeper's own properties.
 *
 * <p>The tick is 500 ms: ZooKeeper allows session timeouts of 2 to 20 ticks, so the 3 s an icbd node
 * asks for is honoured. An ensemble's followers get 10 ticks (5 s) to connect and sync with a new
 * leader and drop out after 5 ticks of silence.
 */
public record ZooKeeperServerSettings(HostPort client, Path data, int myId, List<EnsembleServer> ensemble) {

    static final int TICK_MS = 500;

    public ZooKeeperServerSettings {
        ensemble = List.copyOf(ensemble);
        if (ensemble.isEmpty()) {
            if (myId != 0) throw new IllegalArgumentException("--id is only for a server of an ensemble: add a --server for each of its servers");
        } else {
            if (ensemble.size() < 3) {
                throw new IllegalArgumentException("an ensemble needs at least 3 servers (a majority must survive the loss of one); got "
                        + ensemble.size() + ". Run one standalone server without --server, or add servers");
            }
            Set<Integer> ids = new HashSet<>();
            Set<String> addresses = new HashSet<>();
            for (EnsembleServer s : ensemble) {
                if (!ids.add(s.id())) throw new IllegalArgumentException("--server: id " + s.id() + " is given twice");
                if (!addresses.add(s.host() + ":" + s.quorumPort())) {
                    throw new IllegalArgumentException("--server: " + s.host() + ":" + s.quorumPort() + " is given to two servers");
                }
            }
            if (!ids.contains(myId)) {
                throw new IllegalArgumentException("--id " + myId + " is not one of the ensemble's servers ("
                        + ensemble.stream().map(s -> Integer.toString(s.id())).collect(Collectors.joining(", ")) + ")");
            }
        }
    }

    public boolean standalone() {
        return ensemble.isEmpty();
    }

    /** ZooKeeper's configuration ({@code zoo.cfg} as properties). */
    public Properties properties() {
        Properties p = new Properties();
        p.setProperty("dataDir", data.toAbsolutePath().toString());
        p.setProperty("clientPort", Integer.toString(client.port()));
        p.setProperty("clientPortAddress", client.host());
        p.setProperty("tickTime", Integer.toString(TICK_MS));
        p.setProperty("maxSessionTimeout", Integer.toString(20 * TICK_MS));
        if (!standalone()) {
            p.setProperty("initLimit", "10");
            p.setProperty("syncLimit", "5");
            // the ensemble is what the configuration management wrote, never changed at run time
            p.setProperty("reconfigEnabled", "false");
            for (EnsembleServer s : ensemble) p.setProperty("server." + s.id(), s.propertyValue());
        }
        return p;
    }

    /** The content of {@code DATA/myid}, which ZooKeeper reads to know which server it is. */
    public String myIdFile() {
        return myId + "\n";
    }
}
