package org.icbd.exec;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short external program (btrfs-progs, mount, losetup, ip, arping) to completion within a time
 * limit and keeps its output: the one process runner of the project. Both output streams are read on
 * threads of their own, so a chatty child never blocks on a full pipe and the limit holds even while
 * the child keeps its output open.
 */
public final class ExternalCommand {

    /** How a program ended. */
    public record Result(int exit, String stdout, String stderr) {
        public boolean ok() {
            return exit == 0;
        }

        /** Standard output, then standard error: for messages and for programs that print either. */
        public String output() {
            return stdout + stderr;
        }
    }

    private ExternalCommand() {
    }

    /**
     * Runs {@code argv} with no input. A program still running after {@code limit} is killed and reported
     * as timed out; an interrupted caller kills it too.
     */
    public static Result run(List<String> argv, Duration limit) throws IOException {
        Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + ": timed out after " + limit.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", argv) + ": interrupted", e);
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    /**
     * Reads a stream to its end on a daemon thread. If the stream is closed under it (Process.destroy
     * closes them) the future holds what was read until then.
     */
    public static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try (in) {
                in.transferTo(got);
            } catch (IOException closed) {
                // keep what we have
            } finally {
                f.complete(got.toString(StandardCharsets.UTF_8));
            }
        }, "icbd-drain");
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** The absolute path of {@code program} on PATH or in the usual sbin/bin directories (root's tools live there). */
    public static Optional<String> which(String program) {
        LinkedHashSet<String> dirs = new LinkedHashSet<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) if (!dir.isEmpty()) dirs.add(dir);
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) return Optional.of(p.toString());
        }
        return Optional.empty();
    }
}
