package org.icbd.systest.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.Tool;

/**
 * An icbd process (a node, or the ZooKeeper server) inside a network namespace, its output in a log.
 * {@code ip netns exec} execs the JVM, so the process is the JVM: {@link #kill} is a real kill -9.
 */
final class NodeProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final StringBuffer output = new StringBuffer();
    private Thread pump;

    private NodeProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static NodeProcess start(String ns, Path log, String... icbdArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, IcbdExport.javaBinary(), "-Xmx512m",
                "-jar", IcbdExport.jar().toString()));
        cmd.addAll(List.of(icbdArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        NodeProcess n = new NodeProcess(p, log);
        n.pump = Thread.ofVirtual().start(n::pump);
        return n;
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             var w = Files.newBufferedWriter(log)) {
            String line;
            while ((line = r.readLine()) != null) {
                output.append(line).append('\n');
                w.write(line);
                w.newLine();
                w.flush();
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    /** Waits until the output contains {@code text}; false after {@code seconds}. */
    boolean awaitOutput(String text, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (output.indexOf(text) >= 0) return true;
            if (!process.isAlive()) return output.indexOf(text) >= 0;
            Thread.sleep(50);
        }
        return false;
    }

    String output() {
        return output.toString();
    }

    /** kill -9: no shutdown hook, nothing cleaned up, as if the machine had died. */
    void kill() throws InterruptedException {
        process.toHandle().destroyForcibly(); // Process.destroy* would also close our end of its output
        process.waitFor(10, TimeUnit.SECONDS);
        pump.join(5000);
    }

    /**
     * SIGTERM, a clean stop; after 20 s its threads are dumped into {@link #output} (what a stop hangs
     * on is otherwise lost) and it is killed. Returns once everything it printed is in {@link #output}.
     */
    void stop() throws InterruptedException {
        process.toHandle().destroy(); // SIGTERM; Process.destroy() would close the pipe before its last words
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            output.append("--- the clean stop hangs; its threads:\n").append(threadDump());
            kill();
        }
        pump.join(5000);
    }

    private String threadDump() throws InterruptedException {
        try {
            Process jstack = new ProcessBuilder(Path.of(IcbdExport.javaBinary()).resolveSibling("jstack").toString(),
                    String.valueOf(process.pid())).redirectErrorStream(true).start();
            String dump = new String(jstack.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jstack.waitFor(10, TimeUnit.SECONDS);
            return dump;
        } catch (IOException e) {
            return "(no thread dump: " + e.getMessage() + ")\n";
        }
    }

    /**
     * SIGSTOP: the JVM freezes (a long GC pause) with its sockets as they are; {@code withChildren} freezes
     * its child processes too (the whole host stalls: a VM paused by its hypervisor).
     */
    void pause(boolean withChildren) throws IOException, InterruptedException {
        signal("STOP", process.toHandle());
        if (withChildren) for (ProcessHandle c : process.toHandle().descendants().toList()) signal("STOP", c);
    }

    /**
     * SIGCONT after {@link #pause}: the JVM runs on, its monotonic clock having counted the pause; its
     * children (if frozen) only {@code childrenLater} after it, the worst order a stalled host can resume in.
     */
    void resume(Duration childrenLater) throws IOException, InterruptedException {
        List<ProcessHandle> children = process.toHandle().descendants().toList();
        signal("CONT", process.toHandle());
        Thread.sleep(childrenLater);
        for (ProcessHandle c : children) signal("CONT", c);
    }

    private static void signal(String name, ProcessHandle p) throws IOException, InterruptedException {
        Tool.Result r = Tool.run(Duration.ofSeconds(10), "kill", "-" + name, Long.toString(p.pid()));
        if (!r.ok() && p.isAlive()) throw new IOException(r.describe());
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill();
    }
}
