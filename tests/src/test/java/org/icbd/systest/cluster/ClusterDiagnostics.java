package org.icbd.systest.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.Tool;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Makes a failed cluster test explain itself. Every node's log and ZooKeeper's are kept after each test
 * (the data roots holding them are deleted), and when the test fails, while its processes still run:
 * a thread dump of every node JVM, {@code icbd replication status} as each node sees it, each node's
 * addresses and routes, and the cluster's tree in ZooKeeper with its data. All of it goes to
 * {@code tests/target/cluster-runs/CLASS.METHOD-TIME/}.
 *
 * <p>Register it after the {@code LoopBtrfsExtension}s: its after-each then runs while they are still mounted.
 */
final class ClusterDiagnostics implements BeforeEachCallback, TestExecutionExceptionHandler, AfterEachCallback {

    private static final Path RUNS = Path.of(System.getProperty("icbd.repo", ".."), "tests", "target", "cluster-runs");

    private final Supplier<ClusterLab> lab;
    private Path dir;

    ClusterDiagnostics(Supplier<ClusterLab> lab) {
        this.lab = lab;
    }

    /** Where this test's logs and diagnostics go. */
    Path dir() {
        return dir;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        dir = RUNS.resolve(context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName()
                + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))).toAbsolutePath().normalize();
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        ClusterLab c = lab.get();
        if (c != null) {
            try {
                Files.createDirectories(dir);
                capture(c);
                failure.addSuppressed(new AssertionError("thread dumps, replication status and ZooKeeper state in " + dir));
            } catch (Exception | AssertionError e) {
                failure.addSuppressed(e); // the diagnosis must never hide the failure
            }
        }
        throw failure;
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        ClusterLab c = lab.get();
        if (c == null) return;
        Files.createDirectories(dir);
        List<Path> logs = new ArrayList<>();
        for (ClusterNode n : c.nodes()) logs.add(n.log());
        logs.add(c.zkLog());
        for (Path log : logs) {
            if (Files.exists(log)) Files.copy(log, dir.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void capture(ClusterLab c) throws Exception {
        for (ClusterNode n : c.nodes()) {
            StringBuilder b = new StringBuilder();
            var p = c.process(n.name());
            if (p.isPresent() && p.get().alive()) {
                b.append(run(Duration.ofSeconds(30), "jcmd", Long.toString(p.get().pid()), "Thread.print"));
            } else {
                b.append("(not running)\n");
            }
            write(n.name() + "-threads.txt", b.toString());
            write(n.name() + "-state.txt", run(Duration.ofSeconds(30), "ip", "netns", "exec", n.ns(), IcbdExport.javaBinary(),
                    "-jar", IcbdExport.jar().toString(), "replication", "status", "--config", n.config().toString())
                    + run(Duration.ofSeconds(10), "ip", "-n", n.ns(), "-o", "addr", "show")
                    + run(Duration.ofSeconds(10), "ip", "-n", n.ns(), "route", "show")
                    + run(Duration.ofSeconds(10), "ip", "netns", "pids", n.ns()));
        }
        write("zookeeper.txt", zooKeeperTree(c));
    }

    /** Every znode under /icbd with its data, read with the ZooKeeper shell in the jar (from the ZooKeeper host). */
    private static String zooKeeperTree(ClusterLab c) throws Exception {
        String tree = zkShell(c, List.of("ls -R /icbd"));
        List<String> gets = tree.lines().filter(l -> l.startsWith("/icbd")).map(l -> "get " + l.strip()).toList();
        return tree + "\n" + zkShell(c, gets);
    }

    /** Runs {@code commands} in one ZooKeeper shell (it reads them from its input when it has no console). */
    private static String zkShell(ClusterLab c, List<String> commands) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", c.zkNs(), IcbdExport.javaBinary(), "-cp", IcbdExport.jar().toString(),
                "org.apache.zookeeper.ZooKeeperMain", "-server", ClusterLab.ZK + ":2181").redirectErrorStream(true).start();
        try (var in = p.outputWriter(StandardCharsets.UTF_8)) {
            for (String cmd : commands) in.write(cmd + "\n");
        }
        var out = new ByteArrayOutputStream();
        Thread pump = Thread.ofVirtual().start(() -> {
            try (var s = p.getInputStream()) {
                s.transferTo(out);
            } catch (IOException ignored) {
                // ended
            }
        });
        if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        pump.join(5000);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String run(Duration limit, String... command) throws IOException, InterruptedException {
        Tool.Result r = Tool.run(limit, command);
        return "$ " + String.join(" ", command) + " (exit " + r.exit() + ")\n" + r.output() + "\n";
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }
}
