package org.icbd.systest.cluster;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
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
                StringWriter trace = new StringWriter();
                failure.printStackTrace(new PrintWriter(trace));
                write("failure.txt", trace.toString());
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
            write(n.name() + "-state.txt", run(Duration.ofSeconds(60), "ip", "netns", "exec", n.ns(), IcbdExport.javaBinary(),
                    "-jar", IcbdExport.jar().toString(), "replication", "status", "--config", n.config().toString())
                    + run(Duration.ofSeconds(10), "ip", "-n", n.ns(), "-o", "addr", "show")
                    + run(Duration.ofSeconds(10), "ip", "-n", n.ns(), "route", "show")
                    + run(Duration.ofSeconds(10), "ip", "netns", "pids", n.ns()));
        }
        write("zookeeper.txt", zooKeeperTree(c));
    }

    /** Every znode under /icbd with its data, read from the ZooKeeper host (with the ZooKeeper client in the icbd jar). */
    private static String zooKeeperTree(ClusterLab c) throws Exception {
        Path classes = Path.of(ZooKeeperDump.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return run(Duration.ofSeconds(60), "ip", "netns", "exec", c.zkNs(), IcbdExport.javaBinary(), "-cp",
                IcbdExport.jar() + File.pathSeparator + classes, ZooKeeperDump.class.getName(), ClusterLab.ZK + ":2181", "/icbd");
    }

    private static String run(Duration limit, String... command) throws IOException, InterruptedException {
        Tool.Result r = Tool.run(limit, command);
        return "$ " + String.join(" ", command) + " (exit " + r.exit() + ")\n" + r.output() + "\n";
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }
}
