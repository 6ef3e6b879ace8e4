package org.icbd.btrfs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a short external command (btrfs-progs, mkfs, losetup, mount) to completion and keeps its output. */
final class Command {
    record Result(int exit, String stdout, String stderr) {
        boolean ok() { return exit == 0; }
    }

    private Command() {
    }

    static Result run(List<String> argv) throws IOException {
        Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        CompletableFuture<String> err = drain(p.getErrorStream());
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + ": timed out");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", argv) + ": interrupted", e);
        }
        return new Result(p.exitValue(), out, err.join());
    }

    /** Runs and throws a {@link BtrfsException} naming {@code operation} and {@code path} on a non-zero exit. */
    static Result check(String operation, Path path, List<String> argv) throws BtrfsException {
        Result r;
        try {
            r = run(argv);
        } catch (IOException e) {
            throw BtrfsException.other(operation, path, e.getMessage(), e);
        }
        if (!r.ok()) throw BtrfsException.progs(operation, path, r.exit(), r.stderr());
        return r;
    }

    /**
     * Reads a stream to its end on a daemon thread, so a chatty child never blocks on a full pipe. If the
     * stream is closed under it (Process.destroy closes them) the future holds what was read until then.
     */
    static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
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

    /** The absolute path of {@code program} on PATH or in the usual sbin/bin directories. */
    static java.util.Optional<String> which(String program) {
        java.util.LinkedHashSet<String> dirs = new java.util.LinkedHashSet<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) if (!dir.isEmpty()) dirs.add(dir);
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            Path p = Path.of(dir, program);
            if (java.nio.file.Files.isExecutable(p)) return java.util.Optional.of(p.toString());
        }
        return java.util.Optional.empty();
    }

    /** Like {@link #which} but for a program the caller cannot do without. */
    static String require(String program) throws BtrfsException {
        return which(program).orElseThrow(() -> BtrfsException.other("exec", Path.of(program), "not found on PATH", null));
    }
}
