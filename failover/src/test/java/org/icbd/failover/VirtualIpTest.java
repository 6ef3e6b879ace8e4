package org.icbd.failover;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.icbd.testsupport.Requires;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The VIP with the real ip and arping, inside a network namespace of its own (root only). */
class VirtualIpTest {

    private final String ns = "icbd-vip-" + UUID.randomUUID().toString().substring(0, 8);
    private boolean created;

    @BeforeEach
    void namespace() throws Exception {
        Requires.root("network namespaces");
        Requires.that(run("ip", "netns", "add", ns) == 0, "cannot create a network namespace (ip netns add " + ns + ")");
        created = true;
        assertTrue(run("ip", "netns", "exec", ns, "ip", "link", "add", "vip0", "type", "veth", "peer", "name", "vip1") == 0);
        assertTrue(run("ip", "netns", "exec", ns, "ip", "link", "set", "vip0", "up") == 0);
    }

    @AfterEach
    void cleanup() throws Exception {
        if (created) run("ip", "netns", "del", ns);
    }

    @Test
    void acquireAddsAndReleaseRemovesTheAddressAndBothAreIdempotent() throws IOException {
        VirtualIp vip = new IpCommandVirtualIp("10.77.0.10/24", "vip0", List.of("ip", "netns", "exec", ns));
        assertFalse(vip.held());
        vip.acquire();
        assertTrue(vip.held());
        vip.acquire();
        assertTrue(vip.held());
        vip.release();
        assertFalse(vip.held());
        vip.release();
        assertFalse(vip.held());
    }

    @Test
    void theGuardKeepsTheAddressWhileHeartbeatsComeAndRemovesItWhenTheyStop() throws Exception {
        // the lease a cluster node uses with its 3 s session: a shorter guard turns a loaded machine's
        // scheduling delays into false alarms
        Duration silence = Duration.ofMillis(1500);
        VirtualIp vip = new IpCommandVirtualIp("10.77.0.11/24", "vip0", List.of("ip", "netns", "exec", ns), silence);
        try {
            vip.acquire();
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4000);
            long lastBeat = System.nanoTime();
            while (System.nanoTime() < until) {
                vip.keepAlive();
                lastBeat = System.nanoTime();
                Thread.sleep(100);
            }
            assertTrue(vip.held(), "heartbeats every 100 ms keep a 1500 ms guard from removing the address");
            while (vip.held() && System.nanoTime() - lastBeat < TimeUnit.SECONDS.toNanos(20)) Thread.sleep(20);
            long ms = (System.nanoTime() - lastBeat) / 1_000_000;
            assertFalse(vip.held(), "a frozen JVM's address is removed by its guard");
            assertTrue(ms >= silence.toMillis(), "not before the silence ran out: " + ms + " ms after the last heartbeat");
            Thread.sleep(200);
            assertThrows(IOException.class, vip::keepAlive, "a node whose guard removed the address learns so at its next heartbeat");
        } finally {
            vip.release();
        }
        assertFalse(vip.held());
    }

    @Test
    void releaseRemovesTheAddressThroughItsGuardAndAcquireStartsAnother() throws Exception {
        VirtualIp vip = new IpCommandVirtualIp("10.77.0.12/24", "vip0", List.of("ip", "netns", "exec", ns), Duration.ofSeconds(30));
        vip.acquire();
        vip.release();
        assertFalse(vip.held());
        vip.acquire();
        vip.keepAlive();
        assertTrue(vip.held());
        vip.release();
        assertFalse(vip.held());
    }

    @Test
    void badAddressesAndInterfacesAreRefusedUpFront() {
        assertThrows(IllegalArgumentException.class, () -> new IpCommandVirtualIp("10.0.0.1", "eth0", List.of()));
        assertThrows(IllegalArgumentException.class, () -> new IpCommandVirtualIp("10.0.0.1/24", "eth0;reboot", List.of()));
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
