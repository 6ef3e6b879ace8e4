package org.icbd.systest.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.Tool;
import org.icbd.testsupport.Requires;

/**
 * What the cluster system tests share: a {@link Lab} with a ZooKeeper server at 10.77.0.1 and a client
 * host at 10.77.0.9, icbd nodes serving version lab@1 (and clone ws01) on the virtual IP 10.77.0.100, and
 * the processes a test starts; {@link #close} stops every one of them and deletes the namespaces.
 */
final class ClusterLab implements AutoCloseable {

    static final String ZK = Lab.SUBNET + "1";
    static final String VIP = Lab.SUBNET + "100";
    static final String LAB = "iqn.2026-11.org.icbd:lab";
    static final String WS01 = "iqn.2026-11.org.icbd:ws01";
    static final int IMAGE_BYTES = 4 << 20;

    private final Path tmp;
    private final Lab lab;
    private final List<NodeProcess> processes = new ArrayList<>();
    /** Other processes a test starts (initiators, load generators), killed on close whatever happened. */
    private final List<Process> helpers = new ArrayList<>();
    /** Every node made, and the process last started for each (by node name), for {@link ClusterDiagnostics}. */
    private final List<ClusterNode> nodes = new ArrayList<>();
    private final Map<String, NodeProcess> served = new LinkedHashMap<>();
    private String zkNs;
    private String clientNs;

    private ClusterLab(Path tmp) throws IOException, InterruptedException {
        this.tmp = tmp;
        this.lab = new Lab();
    }

    /** Skips unless this machine can run the lab; then builds it and starts ZooKeeper (its files under {@code tmp}). */
    static ClusterLab open(Path tmp) throws Exception {
        Requires.root("network namespaces");
        Requires.tool("qemu-io", "apt-get install qemu-utils");
        Requires.tool("arping", "apt-get install arping");
        ClusterLab c = new ClusterLab(tmp);
        try {
            c.zkNs = c.lab.host("zk", 1);
            c.clientNs = c.lab.host("client", 9);
            NodeProcess zk = c.track(NodeProcess.start(c.zkNs, tmp.resolve("zk.log"), "zookeeper", "--listen", ZK + ":2181",
                    "--data", tmp.resolve("zk").toString()));
            assertTrue(zk.awaitOutput("ZooKeeper listening", 60), zk.output());
            return c;
        } catch (Throwable t) {
            c.close();
            throw t;
        }
    }

    /** The nodes made so far. */
    List<ClusterNode> nodes() {
        return List.copyOf(nodes);
    }

    /** The process last started for node {@code name}, if any. */
    Optional<NodeProcess> process(String name) {
        return Optional.ofNullable(served.get(name));
    }

    /** The ZooKeeper server's log. */
    Path zkLog() {
        return tmp.resolve("zk.log");
    }

    String zkNs() {
        return zkNs;
    }

    String clientNs() {
        return clientNs;
    }

    /** Adds host {@code name} at 10.77.0.{@code n}; returns its namespace. */
    String host(String name, int n) throws IOException, InterruptedException {
        return lab.host(name, n);
    }

    /**
     * Node {@code name} at 10.77.0.{@code n} keeping its data root, configuration and log in {@code root},
     * serving lab@1 read-only as target {@link #LAB}.
     *
     * @param sessionTimeout null (the default), or the ZooKeeper session timeout, e.g. {@code "3s"}
     * @param replication    null, or also serve clone ws01 read-write as target {@link #WS01}, replicated with
     *                       these settings (YAML keys besides listen and secret-file, e.g. {@code "mode: async, interval: 2s"})
     */
    ClusterNode node(String name, int n, Path root, String sessionTimeout, String replication) throws Exception {
        return node(name, n, root, sessionTimeout, replication, List.of());
    }

    /** As {@link #node(String, int, Path, String, String)}, with {@code more} lines of YAML at the end (another top-level section). */
    ClusterNode node(String name, int n, Path root, String sessionTimeout, String replication, List<String> more) throws Exception {
        String ns = lab.host(name, n);
        Path config = root.resolve("icbd.yaml");
        List<String> yaml = new ArrayList<>(List.of(
                "data-root: data",
                "metrics: 127.0.0.1:9260",
                "cluster:",
                "  name: lab",
                "  node: " + name,
                "  zookeeper: " + ZK + ":2181"));
        if (sessionTimeout != null) yaml.add("  session-timeout: " + sessionTimeout);
        yaml.add("  virtual-ip: " + VIP + "/24");
        yaml.add("  interface: eth0");
        if (replication != null) {
            yaml.add("  replication: {listen: \"" + Lab.SUBNET + n + ":3270\", secret-file: " + secret() + ", " + replication + "}");
        }
        yaml.add("targets:");
        yaml.add("  - {iqn: \"" + LAB + "\", open: true, luns: [{lun: 0, version: lab@1}]}");
        if (replication != null) yaml.add("  - {iqn: \"" + WS01 + "\", open: true, luns: [{clone: ws01}]}");
        yaml.addAll(more);
        yaml.add("");
        Files.writeString(config, String.join("\n", yaml));
        ClusterNode node = new ClusterNode(name, n, ns, root, config, root.resolve(name + ".log"));
        nodes.add(node);
        return node;
    }

    /** Imports {@code root}/golden.img (4 MiB of 0x5a) as image lab into the data root {@code root}/data and publishes lab@1; returns the image file. */
    static Path publishLab(Path root) throws Exception {
        Path image = root.resolve("golden.img");
        byte[] bytes = new byte[IMAGE_BYTES];
        Arrays.fill(bytes, (byte) 0x5a);
        Files.write(image, bytes);
        Path data = root.resolve("data");
        icbd(null, "image", "import", "--data-root", data.toString(), "--name", "lab", image.toString());
        icbd(null, "image", "publish", "--data-root", data.toString(), "lab");
        return image;
    }

    /** Makes clone ws01 of lab@1 in {@code node}'s data root. */
    static void cloneWs01(Path root) throws Exception {
        icbd(null, "clone", "create", "--data-root", root.resolve("data").toString(), "--image", "lab@1", "--name", "ws01");
    }

    /** The cluster secret every node reads (32 random bytes). */
    Path secret() throws IOException {
        Path f = tmp.resolve("cluster.secret");
        if (!Files.exists(f)) {
            byte[] b = new byte[32];
            new SecureRandom().nextBytes(b);
            Files.write(f, b);
        }
        return f;
    }

    /** Starts {@code n} and waits until it stands by for the election. */
    NodeProcess serve(ClusterNode n) throws Exception {
        NodeProcess p = track(NodeProcess.start(n.ns(), n.log(), "serve", "--config", n.config().toString()));
        served.put(n.name(), p);
        assertTrue(p.awaitOutput("standing by until elected", 180), p.output()); // a JVM start on a loaded machine
        return p;
    }

    /** Waits until {@code n} holds the virtual IP; fails after {@code seconds}. */
    static void awaitHolder(ClusterNode n, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Lab.holds(n.ns(), VIP)) {
            if (System.nanoTime() > end) throw new AssertionError(n.name() + " did not take the virtual IP within " + seconds + " s");
            Thread.sleep(20);
        }
    }

    /** {@code p} is stopped on close. */
    NodeProcess track(NodeProcess p) {
        processes.add(p);
        return p;
    }

    /** {@code p} is killed on close. */
    Process track(Process p) {
        helpers.add(p);
        return p;
    }

    /** Runs an icbd command to completion, inside namespace {@code ns} (null: this machine's); returns what it printed. */
    static String icbd(String ns, String... args) throws Exception {
        Tool.Result r = icbdMayFail(ns, args);
        assertTrue(r.ok(), r::describe);
        return r.output();
    }

    /** As {@link #icbd}, for a command that may fail. */
    static Tool.Result icbdMayFail(String ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(ns == null ? List.of() : List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(IcbdExport.javaBinary(), "-jar", IcbdExport.jar().toString()));
        cmd.addAll(List.of(args));
        return Tool.run(Duration.ofSeconds(180), cmd.toArray(String[]::new)); // a JVM start and btrfs work on a loaded machine
    }

    /**
     * qemu-io in {@code ns}: the commands in turn against {@code url}; {@code readOnly} opens the LUN
     * read-only, {@code lineBuffered} flushes each line as it comes (for output read while it runs).
     */
    static List<String> qemuIoCommand(String ns, boolean lineBuffered, boolean readOnly, String url, String... commands) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        if (lineBuffered) cmd.addAll(List.of("stdbuf", "-oL"));
        cmd.addAll(List.of("qemu-io", "-f", "raw"));
        if (readOnly) cmd.add("-r");
        for (String c : commands) cmd.addAll(List.of("-c", c));
        cmd.add(url);
        return cmd;
    }

    /** qemu-io from the client namespace, run to completion within {@code limit}. */
    Tool.Result qemuIo(Duration limit, boolean readOnly, String url, String... commands) throws Exception {
        return Tool.run(limit, qemuIoCommand(clientNs, false, readOnly, url, commands).toArray(String[]::new));
    }

    /** Starts qemu-io (line-buffered) in {@code ns} in the background, its output in {@code out}; with no commands it reads them from its stdin. */
    Process initiator(String ns, Path out, String url, String... commands) throws IOException {
        return track(new ProcessBuilder(qemuIoCommand(ns, true, false, url, commands))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start());
    }

    /** A sample from a node's Prometheus endpoint (inside its namespace, so through bash's /dev/tcp; no curl needed). */
    static double metric(String ns, String series) throws Exception {
        return metric(ns, series, null);
    }

    /** As {@link #metric(String, String)}, {@code absent} when the node has no such series (yet); null: that fails. */
    static double metric(String ns, String series, Double absent) throws Exception {
        Tool.Result r = Tool.run(Duration.ofSeconds(10), "ip", "netns", "exec", ns, "bash", "-c",
                "exec 3<>/dev/tcp/127.0.0.1/9260; printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3");
        for (String line : r.output().lines().toList()) {
            if (line.startsWith(series + " ") || line.startsWith(series + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).strip());
            }
        }
        if (absent != null && r.output().contains("icbd_cluster_serving_epoch")) return absent; // the endpoint answered
        throw new AssertionError("no " + series + " in the metrics of " + ns + ":\n" + r.output());
    }

    /** {@code icbd replication status} as node {@code from} sees it. */
    static String replicationStatus(ClusterNode from) throws Exception {
        return icbd(from.ns(), "replication", "status", "--config", from.config().toString());
    }

    /** Waits until {@code replication status} (asked from {@code from}) shows {@code from} leading and {@code standby} in sync for ws01. */
    void awaitInSync(ClusterNode from, String standby, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        String status = "";
        while (System.nanoTime() < end) {
            status = replicationStatus(from);
            if (status.contains("synchronous write log of " + from.name() + " ")
                    && Pattern.compile("ws01\\s+in sync: .*\\b" + standby + "\\b").matcher(status).find()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(standby + " not in sync within " + seconds + " s:\n" + status);
    }

    /** How many times {@code needle} occurs in {@code haystack}. */
    static int count(String haystack, String needle) {
        int c = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) c++;
        return c;
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : helpers) p.destroyForcibly().waitFor();
        for (NodeProcess p : processes) p.close();
        lab.close();
    }
}
