package org.icbd.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.icbd.config.HostPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The configuration {@code icbd zookeeper} hands ZooKeeper, standalone and as one server of an ensemble. */
class ZooKeeperServerSettingsTest {

    @TempDir
    Path data;

    private static final List<EnsembleServer> THREE = List.of(
            EnsembleServer.parse("1=10.0.0.11:2888:3888"),
            EnsembleServer.parse("2=10.0.0.12:2888:3888"),
            EnsembleServer.parse(" 3=[fd00::13]:2889:3889 "));

    @Test
    void aStandaloneServerHasNoEnsembleAndTheShortTick() throws Exception {
        var settings = new ZooKeeperServerSettings(new HostPort("127.0.0.1", 2181), data, 0, List.of());
        Properties p = settings.properties();
        assertTrue(settings.standalone());
        assertEquals("500", p.getProperty("tickTime"));
        assertEquals("10000", p.getProperty("maxSessionTimeout"));
        assertTrue(p.stringPropertyNames().stream().noneMatch(k -> k.startsWith("server.")), p::toString);
        QuorumPeerConfig parsed = new QuorumPeerConfig();
        parsed.parseProperties(p);
        assertFalse(parsed.isDistributed());
    }

    @Test
    void anEnsembleServerListsEveryServerAndZooKeeperReadsItAsServerTwoOfThree() throws Exception {
        var settings = new ZooKeeperServerSettings(new HostPort("10.0.0.12", 2181), data, 2, THREE);
        Properties p = settings.properties();
        assertEquals("10.0.0.11:2888:3888", p.getProperty("server.1"));
        assertEquals("10.0.0.12:2888:3888", p.getProperty("server.2"));
        assertEquals("[fd00::13]:2889:3889", p.getProperty("server.3"));
        assertEquals("10.0.0.12", p.getProperty("clientPortAddress"));
        assertEquals("false", p.getProperty("reconfigEnabled"));
        assertEquals("2\n", settings.myIdFile());

        // ZooKeeper's own parser: it reads myid from the data directory, as the command writes it
        Files.writeString(data.resolve("myid"), settings.myIdFile(), StandardCharsets.US_ASCII);
        QuorumPeerConfig parsed = new QuorumPeerConfig();
        parsed.parseProperties(p);
        assertTrue(parsed.isDistributed());
        assertEquals(2, parsed.getServerId());
        assertEquals(3, parsed.getQuorumVerifier().getVotingMembers().size());
        assertEquals(2888, parsed.getQuorumVerifier().getVotingMembers().get(1L).addr.getReachableOrOne().getPort());
        assertEquals(3889, parsed.getQuorumVerifier().getVotingMembers().get(3L).electionAddr.getReachableOrOne().getPort());
    }

    @Test
    void badEnsemblesAreRefusedWithTheReason() {
        HostPort client = new HostPort("127.0.0.1", 2181);
        assertMessage("at least 3 servers", () -> new ZooKeeperServerSettings(client, data, 1, THREE.subList(0, 2)));
        assertMessage("--id 4 is not one of the ensemble's servers (1, 2, 3)", () -> new ZooKeeperServerSettings(client, data, 4, THREE));
        assertMessage("--id is only for a server of an ensemble", () -> new ZooKeeperServerSettings(client, data, 1, List.of()));
        assertMessage("id 2 is given twice", () -> new ZooKeeperServerSettings(client, data, 1,
                List.of(THREE.get(0), THREE.get(1), EnsembleServer.parse("2=10.0.0.14:2888:3888"))));
        assertMessage("10.0.0.11:2888 is given to two servers", () -> new ZooKeeperServerSettings(client, data, 1,
                List.of(THREE.get(0), THREE.get(1), EnsembleServer.parse("4=10.0.0.11:2888:3999"))));
    }

    @Test
    void badServerSpellingsAreRefusedWithTheExpectedForm() {
        assertMessage("expected ID=HOST:QUORUM_PORT:ELECTION_PORT", () -> EnsembleServer.parse("10.0.0.11:2888:3888"));
        assertMessage("expected ID=HOST:QUORUM_PORT:ELECTION_PORT", () -> EnsembleServer.parse("1=10.0.0.11:2888"));
        assertMessage("server id must be a number", () -> EnsembleServer.parse("a=10.0.0.11:2888:3888"));
        assertMessage("server id must be 1 to 255", () -> EnsembleServer.parse("0=10.0.0.11:2888:3888"));
        assertMessage("the quorum and election ports must differ", () -> EnsembleServer.parse("1=h:2888:2888"));
        assertMessage("election port must be a number", () -> EnsembleServer.parse("1=h:2888:x"));
    }

    private static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
