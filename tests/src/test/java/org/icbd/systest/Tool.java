package org.icbd.systest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external tool (libiscsi, qemu) to completion with a time limit and keeps what it printed. */
public final class Tool {

    private Tool() {
    }

    /** Exit code and combined stdout/stderr of one run. */
    public record Result(List<String> command, int exit, String output) {
        public boolean ok() {
            return exit == 0;
        }

        /** A message for assertions: the command, its exit code and what it printed. */
        public String describe() {
            return String.join(" ", command) + " -> exit " + exit + ":\n" + output;
        }
    }

    public static Result run(Duration limit, String... command) throws IOException, InterruptedException {
        return run(limit, Map.of(), command);
    }

    public static Result run(Duration limit, Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        var out = new ByteArrayOutputStream();
        Thread pump = Thread.ofVirtual().start(() -> {
            try (var in = p.getInputStream()) {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the process ended; what was read is kept
            }
        });
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            pump.join(1000);
            return new Result(List.of(command), -1, "TIMED OUT after " + limit + "\n" + out.toString(StandardCharsets.UTF_8));
        }
        pump.join(5000);
        return new Result(List.of(command), p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }
}
