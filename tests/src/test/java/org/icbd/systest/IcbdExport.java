package org.icbd.systest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.testsupport.Requires;

/**
 * {@code icbd export} running as its own process on a free port: started from the built jar,
 * its output kept in a log file, stopped with SIGTERM (then KILL) even when the test fails.
 */
public final class IcbdExport implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on /?(\\S+?):(\\d+)");

    private final Process process;
    private final String host;
    private final int port;
    private final String iqn;
    private final Path log;

    private IcbdExport(Process process, String host, int port, String iqn, Path log) {
        this.process = process;
        this.host = host;
        this.port = port;
        this.iqn = iqn;
        this.log = log;
    }

    /** Starts {@code icbd export SPECS... --portal 127.0.0.1:0 --target IQN [extra...]}. */
    public static IcbdExport start(Path workDir, String iqn, String spec, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-jar", jar().toString(), "export", spec,
                "--portal", "127.0.0.1:0", "--target", iqn));
        cmd.addAll(List.of(extra));
        return launch(workDir, iqn, cmd);
    }

    /** Starts {@code icbd serve --config FILE}; the file's first portal should be {@code 127.0.0.1:0}. */
    public static IcbdExport serve(Path workDir, String iqn, Path config) throws IOException, InterruptedException {
        return launch(workDir, iqn, List.of(javaBinary(), "-jar", jar().toString(), "serve", "--config", config.toString()));
    }

    /** Starts {@code icbd serve --config FILE} inside network namespace {@code netns} (the config names its addresses). */
    public static IcbdExport serveIn(String netns, Path workDir, Path config) throws IOException, InterruptedException {
        return launch(workDir, "-", List.of("ip", "netns", "exec", netns, javaBinary(), "-jar", jar().toString(), "serve", "--config", config.toString()));
    }

    private static IcbdExport launch(Path workDir, String iqn, List<String> cmd) throws IOException {
        Path log = Files.createTempFile(workDir, "icbd-", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<Matcher> listening = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> pump(p, log, listening));
        try {
            Matcher m = listening.get(60, TimeUnit.SECONDS);
            return new IcbdExport(p, m.group(1), Integer.parseInt(m.group(2)), iqn, log);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd.subList(3, cmd.size())) + " did not start listening; log " + log + ":\n" + Files.readString(log), e);
        }
    }

    private static void pump(Process p, Path log, CompletableFuture<Matcher> listening) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             var w = Files.newBufferedWriter(log)) {
            String line;
            while ((line = r.readLine()) != null) {
                w.write(line);
                w.newLine();
                w.flush();
                Matcher m = LISTENING.matcher(line);
                if (!listening.isDone() && m.find()) listening.complete(m);
            }
        } catch (IOException e) {
            listening.completeExceptionally(e);
        }
        listening.completeExceptionally(new IOException("process ended"));
    }

    public String url(int lun) {
        return "iscsi://" + host + ":" + port + "/" + iqn + "/" + lun;
    }

    public String iqn() {
        return iqn;
    }

    public int port() {
        return port;
    }

    public Path log() {
        return log;
    }

    /** The port of {@code serve}'s boot endpoint, as its log names it (it may listen on port 0). */
    public int bootPort() throws IOException, InterruptedException {
        Pattern p = Pattern.compile("boot endpoint on http://\\S+?:(\\d+)/boot");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Matcher m = p.matcher(Files.readString(log));
            if (m.find()) return Integer.parseInt(m.group(1));
            Thread.sleep(100);
        }
        throw new IOException("serve did not name its boot endpoint:\n" + Files.readString(log));
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Stops with SIGTERM and returns the exit code (KILL after 20 s). */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) stop();
    }

    /** Runs {@code icbd ARGS... [--data-root DIR]} from the built jar (no data root when {@code dataRoot} is null). */
    public static Tool.Result cli(Path dataRoot, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        if (dataRoot != null) cmd.addAll(List.of("--data-root", dataRoot.toString()));
        return Tool.run(Duration.ofMinutes(2), cmd.toArray(String[]::new));
    }

    /** {@link #cli}, failing the test (with the command's output) when it does not succeed. */
    public static Tool.Result cliOk(Path dataRoot, String... args) throws IOException, InterruptedException {
        Tool.Result r = cli(dataRoot, args);
        if (!r.ok()) throw new AssertionError(r.describe());
        return r;
    }

    public static Path jar() {
        Path jar = Path.of(System.getProperty("icbd.jar", "../target-server/target/icbd.jar"));
        if (!Files.isRegularFile(jar)) throw new IllegalStateException("runnable jar not built: " + jar);
        return jar;
    }

    public static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Whether {@code tool} is on the PATH; a test that needs it says so with {@code Requires.tool}, which fails in CI. */
    public static boolean onPath(String tool) {
        return Requires.onPath(tool);
    }
}
