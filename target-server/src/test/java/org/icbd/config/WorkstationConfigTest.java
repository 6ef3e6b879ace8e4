package org.icbd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.icbd.volume.DiskMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code workstations:} section: what it means, and mistakes named with their fix. */
class WorkstationConfigTest {

    @TempDir
    Path dir;

    private static final String CLUSTER = "cluster: {name: a, node: b, zookeeper: 127.0.0.1:2181, virtual-ip: 10.0.0.9/24, interface: eth0}\n";

    @Test
    void aWorkstationsOnlyConfiguration() throws Exception {
        IcbdConfig c = new ConfigLoader().parse("""
                portals: [10.0.0.10:3260]
                workstations:
                  boot: 10.0.0.10:8080
                  networks: [10.0.0.0/24, 10.0.1.7]
                  iqn-prefix: iqn.2026-11.org.example.ws
                  enrol: {image: win11@3, mode: persistent, name: "pc-{mac}"}
                  min-free-mib: 2048
                """, dir);
        WorkstationSettings w = c.workstations().orElseThrow();
        assertEquals(new HostPort("10.0.0.10", 8080), w.boot().orElseThrow());
        assertEquals(2, w.networks().size());
        assertEquals("iqn.2026-11.org.example.ws", w.iqnPrefix());
        assertEquals(new WorkstationSettings.Enrolment("win11", 3, DiskMode.PERSISTENT, "pc-{mac}"), w.enrol().orElseThrow());
        assertEquals(2048L << 20, w.minFreeBytes());
        assertTrue(c.targets().isEmpty(), "each workstation is a target of its own; 'targets' may be left out");
    }

    @Test
    void anEnrolmentIntoAGroupNeedsNoImage() throws Exception {
        IcbdConfig c = new ConfigLoader().parse("workstations: {enrol: {group: lab, name: \"pc-{mac}\"}}\n", dir);
        WorkstationSettings.Enrolment e = c.workstations().orElseThrow().enrol().orElseThrow();
        assertEquals("lab", e.group());
        assertEquals(null, e.image(), "the group gives the image");
        assertProblem("workstations: {enrol: {group: \"../lab\"}}\n", "workstations.enrol.group", "invalid name");
    }

    @Test
    void mistakesNameTheKeyAndTheFix() {
        assertProblem("workstations: {boot: 127.0.0.1:8080}\n", "workstations.networks", "is required with 'boot'");
        assertProblem("workstations: {boot: 127.0.0.1:8080, networks: [10.0.0.0/33]}\n", "workstations.networks[0]", "prefix length");
        assertProblem("workstations: {enrol: {image: gold, mode: sometimes}}\n", "workstations.enrol.mode", "'persistent' or 'reset-on-boot'");
        assertProblem("workstations: {enrol: {mode: persistent}}\n", "workstations.enrol.image", "is required");
        assertProblem("workstations: {enrol: {image: gold, name: \"../{mac}\"}}\n", "workstations.enrol.name", "valid name");
        assertProblem("workstations: {iqn-prefix: foo}\n", "workstations.iqn-prefix", "iqn.");
        assertProblem("workstations: {bot: 1.2.3.4:80}\n", "workstations", "bot");
        assertProblem(CLUSTER + "workstations: {boot: 10.0.0.2:8080, networks: [10.0.0.0/24]}\n", "workstations.boot",
                "virtual IP (10.0.0.9:8080) or on 0.0.0.0:8080");
    }

    /** A cluster's leader serves the workstations; its boot endpoint moves with the virtual IP. */
    @Test
    void aClusterServesWorkstationsWithTheBootEndpointOnTheVirtualIpOrEveryAddress() throws Exception {
        for (String listen : List.of("10.0.0.9:8080", "0.0.0.0:8080")) {
            IcbdConfig c = new ConfigLoader().parse(CLUSTER + "workstations: {boot: \"" + listen + "\", networks: [10.0.0.0/24]}\n", dir);
            assertTrue(c.cluster().isPresent() && c.workstations().orElseThrow().boot().isPresent(), listen);
        }
    }

    private void assertProblem(String yaml, String key, String words) {
        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigLoader().parse(yaml, dir));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains(words), e.getMessage());
    }
}
