package org.icbd.failover;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.icbd.exec.ExternalCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtual IP with iproute2 and arping: {@code ip addr add/del ADDR/PREFIX dev IFACE}, then three
 * gratuitous ARP requests (sender and target address both the VIP, to the broadcast MAC). Debian has
 * two arpings with different flags (Habets' {@code arping}, iputils' {@code iputils-arping}); both work.
 * Habets' {@code -U} alone keeps the interface's own address as the sender, which updates nobody's
 * cache, so it is given the VIP as source ({@code -S}). A command prefix (e.g. {@code ip netns exec
 * node1}) lets tests hold the address inside a network namespace.
 */
public final class IpCommandVirtualIp implements VirtualIp {

    private static final Logger log = LoggerFactory.getLogger(IpCommandVirtualIp.class);

    private static final Pattern IPV4_CIDR = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}");
    private static final Pattern IFACE = Pattern.compile("[A-Za-z0-9_.:-]{1,15}");

    private final String cidr;
    private final String address;
    private final String iface;
    private final List<String> prefix;
    private final Duration guardSilence;
    /** The guard of the address while this node holds it; null otherwise. */
    private volatile VipGuard guard;

    private volatile Boolean habets;

    public IpCommandVirtualIp(String cidr, String iface, List<String> prefix) {
        this(cidr, iface, prefix, Duration.ZERO);
    }

    /**
     * @param guardSilence how long the {@link VipGuard guard} waits for a {@link #keepAlive} before it
     *                     removes the address itself (zero: it waits only for this JVM's death)
     */
    public IpCommandVirtualIp(String cidr, String iface, List<String> prefix, Duration guardSilence) {
        if (!IPV4_CIDR.matcher(cidr).matches()) throw new IllegalArgumentException("virtual IP must be IPv4 ADDR/PREFIX; got " + cidr);
        if (!IFACE.matcher(iface).matches()) throw new IllegalArgumentException("invalid interface name " + iface);
        this.cidr = cidr;
        this.address = cidr.substring(0, cidr.indexOf('/'));
        this.iface = iface;
        this.prefix = List.copyOf(prefix);
        this.guardSilence = guardSilence;
    }

    @Override
    public synchronized void acquire() throws IOException {
        if (!held()) run(true, "ip", "addr", "add", cidr, "dev", iface);
        // from here on, the address goes when this JVM does (or freezes), whatever else happens
        if (guard == null || !guard.alive()) guard = VipGuard.start(prefix, cidr, iface, guardSilence);
        // unsolicited ARP: switches and clients learn the new MAC without waiting for their caches to expire;
        // three of them a second apart, in the background: serving must not wait for the announcements
        if (habetsArping()) announce("arping", "-q", "-U", "-S", address, "-c", "3", "-i", iface, address);
        else announce("arping", "-q", "-U", "-c", "3", "-I", iface, address);
    }

    private boolean habetsArping() throws IOException {
        if (habets == null) habets = run(false, "arping", "--help").contains("Habets");
        return habets;
    }

    @Override
    public synchronized void release() throws IOException {
        VipGuard g = guard;
        guard = null;
        if (g != null) g.stop(); // the guard removes the address as it goes
        if (held()) {
            try {
                run(true, "ip", "addr", "del", cidr, "dev", iface);
            } catch (IOException e) {
                if (held()) throw e; // else a guard still finishing removed it first
            }
        }
    }

    @Override
    public void endOnDeath(ZooKeeperSession session) throws IOException {
        VipGuard g = guard;
        if (g != null) g.endOnDeath(session);
    }

    @Override
    public void keepAlive() throws IOException {
        VipGuard g = guard;
        if (g != null) g.beat(); // none before acquire and after release: nothing to keep
    }

    @Override
    public boolean held() throws IOException {
        String out = run(true, "ip", "-o", "-4", "addr", "show", "dev", iface);
        return out.contains(" " + cidr + " ");
    }

    private void announce(String... argv) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(argv));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread.ofVirtual().name("icbd-arping").start(() -> {
            try {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                // exit 1 means no replies, which is what unsolicited ARP expects
                if (p.waitFor() > 1) log.warn("{} failed: {}", String.join(" ", cmd), out.strip());
            } catch (IOException | InterruptedException e) {
                p.destroyForcibly();
            }
        });
    }

    private String run(boolean mustSucceed, String... argv) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(argv));
        ExternalCommand.Result r = ExternalCommand.run(cmd, Duration.ofSeconds(10));
        if (mustSucceed && !r.ok()) {
            throw new IOException(String.join(" ", cmd) + " failed (exit " + r.exit() + "): " + r.output().strip());
        }
        return r.output();
    }
}
