package org.icbd.systest.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.systest.Tool;

/**
 * A small network of its own: a "switch" namespace holding a bridge, and one namespace per host, each
 * with an {@code eth0} on that bridge at {@code 10.77.0.<n>/24}. Nothing is added to the machine's own
 * namespace; {@link #close} deletes every namespace made (their links go with them).
 */
final class Lab implements AutoCloseable {

    static final String SUBNET = "10.77.0.";

    private final String tag = UUID.randomUUID().toString().substring(0, 6);
    private final String sw = "icbd-sw-" + tag;
    private final List<String> made = new ArrayList<>();

    Lab() throws IOException, InterruptedException {
        ip("netns", "add", sw);
        made.add(sw);
        ip("-n", sw, "link", "add", "br0", "type", "bridge");
        ip("-n", sw, "link", "set", "br0", "up");
    }

    /** Adds host {@code name} at {@code 10.77.0.<n>}; returns its namespace. */
    String host(String name, int n) throws IOException, InterruptedException {
        String ns = "icbd-" + name + "-" + tag;
        ip("netns", "add", ns);
        made.add(ns);
        String port = "p" + n;
        ip("-n", sw, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
        ip("-n", sw, "link", "set", port, "master", "br0", "up");
        ip("-n", ns, "addr", "add", SUBNET + n + "/24", "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
        ip("-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    /** True when {@code ns} has {@code address} on eth0. */
    static boolean holds(String ns, String address) throws IOException, InterruptedException {
        Tool.Result r = Tool.run(Duration.ofSeconds(10), "ip", "-n", ns, "-o", "-4", "addr", "show", "dev", "eth0");
        return r.output().contains(" " + address + "/");
    }

    /** The MAC address of {@code ns}'s eth0. */
    static String mac(String ns) throws IOException, InterruptedException {
        Tool.Result r = Tool.run(Duration.ofSeconds(10), "ip", "-n", ns, "-o", "link", "show", "dev", "eth0");
        Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(r.output());
        if (!m.find()) throw new IOException("no MAC address for eth0 in " + ns + ": " + r.describe());
        return m.group(1);
    }

    /**
     * Pins {@code ns}'s ARP entry for {@code address} to {@code mac}: a client whose cache does not move
     * when another host announces the address (the worst case for a deposed leader's stale answers).
     */
    static void pinNeighbour(String ns, String address, String mac) throws IOException, InterruptedException {
        ip("-n", ns, "neigh", "replace", address, "lladdr", mac, "dev", "eth0", "nud", "permanent");
    }

    static void ip(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Tool.Result r = Tool.run(Duration.ofSeconds(20), cmd);
        if (!r.ok()) throw new IOException(r.describe());
    }

    @Override
    public void close() {
        for (int i = made.size() - 1; i >= 0; i--) {
            try {
                Tool.run(Duration.ofSeconds(20), "ip", "netns", "del", made.get(i));
            } catch (IOException | InterruptedException e) {
                System.err.println("could not delete namespace " + made.get(i) + ": " + e);
            }
        }
    }
}
