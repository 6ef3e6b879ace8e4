package org.icbd.zookeeper;

import org.icbd.config.HostPort;

/**
 * One server of a ZooKeeper ensemble as the operator names it: {@code ID=HOST:QUORUM_PORT:ELECTION_PORT},
 * for example {@code 2=10.0.0.12:2888:3888}. The id is the server's {@code myid} (1 to 255).
 */
public record EnsembleServer(int id, String host, int quorumPort, int electionPort) {

    public EnsembleServer {
        if (id < 1 || id > 255) throw new IllegalArgumentException("server id must be 1 to 255; got " + id);
        if (host == null || host.isBlank()) throw new IllegalArgumentException("server " + id + ": the host is missing");
        checkPort(id, "quorum", quorumPort);
        checkPort(id, "election", electionPort);
        if (quorumPort == electionPort) {
            throw new IllegalArgumentException("server " + id + ": the quorum and election ports must differ; both are " + quorumPort);
        }
    }

    /** Parses {@code ID=HOST:QUORUM_PORT:ELECTION_PORT}; IllegalArgumentException says what is wrong. */
    public static EnsembleServer parse(String text) {
        String s = text == null ? "" : text.strip();
        int eq = s.indexOf('=');
        if (eq < 1) throw new IllegalArgumentException("expected ID=HOST:QUORUM_PORT:ELECTION_PORT (e.g. 1=10.0.0.11:2888:3888); got '" + s + "'");
        int id = number(s.substring(0, eq), "server id", s);
        String rest = s.substring(eq + 1);
        int last = rest.lastIndexOf(':');
        int middle = last < 0 ? -1 : rest.lastIndexOf(':', last - 1);
        if (middle < 0) {
            throw new IllegalArgumentException("expected ID=HOST:QUORUM_PORT:ELECTION_PORT (e.g. 1=10.0.0.11:2888:3888); got '" + s + "'");
        }
        HostPort quorum = HostPort.parse(rest.substring(0, last), 0);
        return new EnsembleServer(id, quorum.host(), quorum.port(), number(rest.substring(last + 1), "election port", s));
    }

    /** The value of ZooKeeper's {@code server.ID} property. */
    String propertyValue() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return h + ":" + quorumPort + ":" + electionPort;
    }

    private static int number(String text, String what, String whole) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a number; got '" + text + "' in '" + whole + "'");
        }
    }

    private static void checkPort(int id, String what, int port) {
        if (port < 1 || port > 65535) throw new IllegalArgumentException("server " + id + ": the " + what + " port must be 1 to 65535; got " + port);
    }
}
