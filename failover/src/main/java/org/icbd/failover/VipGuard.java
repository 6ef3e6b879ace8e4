package org.icbd.failover;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small child process that removes the virtual IP when this JVM can no longer be trusted with it.
 * It reads a pipe from the JVM and removes the address when the pipe closes, which the kernel does
 * when the JVM dies for any reason (kill -9, OOM killer, crash), with no help from systemd; and, when
 * given a silence, also when no heartbeat arrived for that long (the JVM is frozen: SIGSTOP, a stalled
 * VM). The JVM beats each time ZooKeeper confirms its leadership, so the guard's silence runs out only
 * after the leader's lease has. It ignores the signals a service manager sends to the whole unit, so
 * it outlives the JVM long enough to do its one job.
 */
final class VipGuard {

    // $1 silence in seconds (0: none), $2 ADDR/PREFIX, $3 interface; all validated by the caller
    private static final String SCRIPT = """
            trap '' TERM INT HUP
            if [ "$1" = 0 ]; then while read -r _; do :; done
            else while read -r -t "$1" _; do :; done; fi
            ip addr del "$2" dev "$3" 2>/dev/null
            exit 0
            """;

    private final Process process;
    private final OutputStream pipe;

    private VipGuard(Process process) {
        this.process = process;
        this.pipe = process.getOutputStream();
    }

    /** Starts a guard of {@code cidr} on {@code iface}; {@code silence} zero means it only watches for the JVM's death. */
    static VipGuard start(List<String> prefix, String cidr, String iface, Duration silence) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        String seconds = silence.isZero() ? "0" : String.format(java.util.Locale.ROOT, "%d.%03d", silence.toSeconds(), silence.toMillisPart());
        cmd.addAll(List.of("bash", "-c", SCRIPT, "icbd-vip-guard", seconds, cidr, iface));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new VipGuard(p);
    }

    /** Tells the guard the JVM is alive and leading; fails when the guard is gone (it has removed the address). */
    void beat() throws IOException {
        if (!process.isAlive()) throw new IOException("the virtual IP guard has exited (it removed the address)");
        synchronized (pipe) {
            pipe.write('\n');
            pipe.flush();
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Closes the pipe: the guard removes the address and exits; waits for that (at most 10 s). */
    void stop() throws IOException {
        try {
            pipe.close();
        } catch (IOException e) {
            // the guard is gone already
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("the virtual IP guard did not finish within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted waiting for the virtual IP guard", e);
        }
    }
}
