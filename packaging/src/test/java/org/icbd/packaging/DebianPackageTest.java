package org.icbd.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built .deb as an administrator gets it: its files and modes, its metadata, lintian's verdict, the
 * shipped configuration accepted by the packaged launcher and jar, units that systemd accepts and keeps
 * hardened, and the virtual IP removed by the unit's ExecStopPost command. Runs after {@code package}.
 */
class DebianPackageTest {

    private static final Path TARGET = Path.of(System.getProperty("deb.dir", "target"));
    private static final Path README = Path.of(System.getProperty("readme", "../README.md"));
    private static Path deb;

    @BeforeAll
    static void findPackage() throws IOException {
        try (Stream<Path> files = Files.list(TARGET)) {
            List<Path> debs = files.filter(p -> p.getFileName().toString().matches("icbd_.*_all\\.deb")).toList();
            assertEquals(1, debs.size(), "one icbd_*_all.deb in " + TARGET + ": " + debs);
            deb = debs.get(0);
        }
    }

    @Test
    void nameAndControlFieldsFollowThePom() throws Exception {
        String version = System.getProperty("project.version", "0.1.0-SNAPSHOT").replace('-', '~');
        assertEquals("icbd_" + version + "_all.deb", deb.getFileName().toString());
        String info = run("dpkg-deb", "--info", deb.toString()).out;
        assertTrue(info.contains("Package: icbd\n"), info);
        assertTrue(info.contains("Version: " + version + "\n"), info);
        assertTrue(info.contains("Architecture: all\n"), info);
        assertTrue(info.contains("Depends: openjdk-21-jre-headless | openjdk-25-jre-headless | java21-runtime-headless, btrfs-progs, iproute2, arping"), info);
        assertEquals("/etc/icbd/icbd.yaml\n/etc/icbd/zookeeper.env\n", controlFile("conffiles"));
    }

    @Test
    void holdsTheExpectedFilesWithTheirModes() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("./usr/share/icbd/icbd.jar", "-rw-r--r--");
        expected.put("./usr/bin/icbd", "-rwxr-xr-x");
        expected.put("./usr/lib/systemd/system/icbd.service", "-rw-r--r--");
        expected.put("./usr/lib/systemd/system/icbd-zookeeper.service", "-rw-r--r--");
        expected.put("./etc/icbd/icbd.yaml", "-rw-r-----");   // it will hold CHAP secrets
        expected.put("./etc/icbd/zookeeper.env", "-rw-r--r--");
        expected.put("./usr/share/doc/icbd/copyright", "-rw-r--r--");
        expected.put("./usr/share/doc/icbd/changelog.gz", "-rw-r--r--");
        expected.put("./var/lib/icbd/", "drwx------");         // the disk images
        Map<String, String> actual = new LinkedHashMap<>();
        for (String line : run("dpkg-deb", "--contents", deb.toString()).out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            assertEquals("root/root", f[1], line);
            actual.put(f[5], f[0]);
        }
        expected.forEach((path, mode) -> assertEquals(mode, actual.get(path), path));
        for (String path : actual.keySet()) {
            assertTrue(path.startsWith("./usr/") || path.startsWith("./etc/icbd") || path.startsWith("./var/lib/icbd")
                    || path.equals("./etc/") || path.equals("./var/") || path.equals("./var/lib/"), "unexpected " + path);
        }
    }

    @Test
    void lintianFindsNoErrorAndEveryWarningIsExplainedInTheReadme() throws Exception {
        assumeTrue(onPath("lintian"), "lintian is not installed (apt-get install lintian)");
        Result r = run("lintian", "--no-tag-display-limit", deb.toString());
        List<String> errors = r.out.lines().filter(l -> l.startsWith("E:")).toList();
        assertTrue(errors.isEmpty(), "lintian errors: " + errors);
        String readme = Files.readString(README);
        Matcher m = Pattern.compile("(?m)^W: icbd: (\\S+)").matcher(r.out);
        while (m.find()) {
            assertTrue(readme.contains("`" + m.group(1) + "`"), "lintian warning " + m.group(1) + " is not listed in README.md with its reason");
        }
    }

    @Test
    void theShippedConfigurationIsAcceptedByThePackagedLauncher(@TempDir Path root) throws Exception {
        Path tree = extract(root);
        Result r = run(Map.of("JAVA_HOME", System.getProperty("java.home")),
                tree.resolve("usr/bin/icbd").toString(), "serve", "--check", "--config", tree.resolve("etc/icbd/icbd.yaml").toString());
        assertEquals(0, r.code, r.out);
        assertTrue(r.out.contains("icbd.yaml: OK, 0 target(s)"), r.out);
    }

    @Test
    void thePackagedServerTellsSystemdWhenItIsReadyAndWhenItStops(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs python3 to bind the notify socket as systemd does");
        Path tree = extract(dir);
        Path config = Files.writeString(dir.resolve("icbd.yaml"), "portals: ['127.0.0.1:0']\nmetrics: off\ntargets: []\n");
        Path socket = dir.resolve("notify");
        Process receiver = new ProcessBuilder("/usr/bin/python3", "-c", String.join("\n",
                "import socket, sys",
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
                "s.bind(sys.argv[1])",
                "print('bound', flush=True)",
                "s.settimeout(120)",
                "while True:",
                "    m = s.recv(4096).decode()",
                "    print(m.replace('\\n', '|'), flush=True)",
                "    if 'STOPPING=1' in m: break"), socket.toString()).redirectErrorStream(true).start();
        Process icbd = null;
        try (var out = new BufferedReader(new InputStreamReader(receiver.getInputStream()))) {
            assertEquals("bound", out.readLine());
            ProcessBuilder pb = new ProcessBuilder(tree.resolve("usr/bin/icbd").toString(), "serve", "--config", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("icbd.log").toFile());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().put("NOTIFY_SOCKET", socket.toString());
            icbd = pb.start();
            String ready = out.readLine();
            assertTrue(ready != null && ready.startsWith("READY=1|STATUS=serving 0 target(s) on [127.0.0.1:"), ready + "\n" + Files.readString(dir.resolve("icbd.log")));
            assertTrue(ready.endsWith("|MAINPID=" + icbd.pid()), "MAINPID is the JVM the launcher exec'd: " + ready);
            icbd.destroy(); // SIGTERM, as systemctl stop
            assertEquals("STOPPING=1|STATUS=stopping: closing sessions and handing over", out.readLine());
            assertTrue(icbd.waitFor(60, TimeUnit.SECONDS), "icbd did not stop");
            assertEquals(143, icbd.exitValue(), "SuccessExitStatus=143 in icbd.service");
        } finally {
            if (icbd != null) icbd.destroyForcibly();
            receiver.destroyForcibly();
        }
    }

    @Test
    void systemdAcceptsTheUnitsAndTheServiceStaysHardened(@TempDir Path root) throws Exception {
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed (apt-get install systemd)");
        Path tree = extract(root);
        // verify resolves dependencies (sysinit.target, network-online.target ...) inside --root
        Path units = tree.resolve("usr/lib/systemd/system");
        for (Path dir : List.of(Path.of("/usr/lib/systemd/system"), Path.of("/lib/systemd/system"))) {
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> host = Files.list(dir)) {
                for (Path u : host.filter(p -> p.getFileName().toString().endsWith(".target")).toList()) {
                    Path copy = units.resolve(u.getFileName());
                    if (!Files.exists(copy)) Files.copy(u, copy);
                }
            }
        }
        Result verify = run("systemd-analyze", "verify", "--man=no", "--root=" + tree, "icbd.service", "icbd-zookeeper.service");
        assertEquals(0, verify.code, verify.out);
        assertEquals("", verify.out.strip(), "systemd-analyze verify warns");
        assertTrue(exposure(tree, "icbd.service") <= 3.0, "icbd.service exposure rose above 3.0");
        assertTrue(exposure(tree, "icbd-zookeeper.service") <= 2.0, "icbd-zookeeper.service exposure rose above 2.0");
    }

    @Test
    void theServicesStopCommandRemovesTheVirtualIpOfTheConfiguration(@TempDir Path dir) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for a network namespace");
        assumeTrue(onPath("ip"), "needs iproute2");
        Path tree = extract(dir);
        // the unit's own ExecStopPost line, run through the packaged launcher on a configuration of ours
        Matcher stopPost = Pattern.compile("(?m)^ExecStopPost=/usr/bin/icbd (.+) --config /etc/icbd/icbd\\.yaml$")
                .matcher(Files.readString(tree.resolve("usr/lib/systemd/system/icbd.service")));
        assertTrue(stopPost.find(), "icbd.service's ExecStopPost runs /usr/bin/icbd ... --config /etc/icbd/icbd.yaml");
        Path config = Files.writeString(dir.resolve("icbd.yaml"), String.join("\n",
                "data-root: " + dir.resolve("data"),
                "cluster:",
                "  name: site1",
                "  node: node-a",
                "  zookeeper: 127.0.0.1:2181   # not contacted",
                "  virtual-ip: '10.77.0.100/24'   # the VIP",
                "  interface: vipdev0",
                "targets: []", ""));
        String ns = "icbd-deb-" + UUID.randomUUID().toString().substring(0, 8);
        assertEquals(0, run("ip", "netns", "add", ns).code);
        try {
            exec(ns, "ip", "link", "add", "vipdev0", "type", "veth", "peer", "name", "vipdev1");
            exec(ns, "ip", "link", "set", "vipdev0", "up");
            exec(ns, "ip", "addr", "add", "10.77.0.5/24", "dev", "vipdev0");
            exec(ns, "ip", "addr", "add", "10.77.0.100/24", "dev", "vipdev0");
            List<String> stop = new ArrayList<>(List.of("ip", "netns", "exec", ns, tree.resolve("usr/bin/icbd").toString()));
            stop.addAll(List.of(stopPost.group(1).split(" ")));
            stop.addAll(List.of("--config", config.toString()));
            Map<String, String> env = Map.of("JAVA_HOME", System.getProperty("java.home"));
            Result drop = run(env, stop.toArray(String[]::new));
            assertEquals(0, drop.code, drop.out);
            assertTrue(drop.out.contains("removed 10.77.0.100/24 from vipdev0"), drop.out);
            String addrs = exec(ns, "ip", "-o", "-4", "addr", "show", "dev", "vipdev0");
            assertTrue(!addrs.contains("10.77.0.100/") && addrs.contains("10.77.0.5/"), addrs);
            // after a clean stop the VIP is gone already: nothing to do, no failure (ExecStopPost must not fail)
            Result again = run(env, stop.toArray(String[]::new));
            assertEquals(0, again.code, again.out);
            assertTrue(again.out.contains("was not on vipdev0"), again.out);
        } finally {
            run("ip", "netns", "del", ns);
        }
    }

    private static String exec(String ns, String... argv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(argv));
        Result r = run(cmd.toArray(String[]::new));
        assertEquals(0, r.code, String.join(" ", argv) + ": " + r.out);
        return r.out;
    }

    private static double exposure(Path tree, String unit) throws Exception {
        Result r = run("systemd-analyze", "security", "--offline=yes", "--root=" + tree, unit);
        Matcher m = Pattern.compile("Overall exposure level for " + Pattern.quote(unit) + ": ([0-9.]+)").matcher(r.out);
        assertTrue(m.find(), r.out);
        return Double.parseDouble(m.group(1));
    }

    private static String controlFile(String name) throws Exception {
        return run("dpkg-deb", "--info", deb.toString(), name).out;
    }

    private static Path extract(Path dir) throws Exception {
        Path tree = dir.resolve("root");
        Result r = run("dpkg-deb", "-x", deb.toString(), tree.toString());
        assertEquals(0, r.code, r.out);
        return tree;
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    private record Result(int code, String out) {
    }

    private static Result run(String... argv) throws Exception {
        return run(Map.of(), argv);
    }

    private static Result run(Map<String, String> env, String... argv) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("PATH", pb.environment().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), String.join(" ", argv) + " did not finish");
        return new Result(p.exitValue(), out);
    }
}
