package org.icbd.failover;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A small child process that removes the virtual IP when this JVM can no longer be trusted with it.
 * It reads a pipe from the JVM and removes the address when the pipe closes without a word, which
 * the kernel does when the JVM dies for any reason (kill -9, OOM killer, crash), with no help from
 * systemd; and, when given a silence, also when no heartbeat arrived for that long (the JVM is frozen:
 * SIGSTOP, a stalled VM). The JVM beats each time ZooKeeper confirms its leadership, so the guard's
 * silence runs out only after the leader's lease has.
 *
 * <p>Told the leader's ZooKeeper session, the guard also ends it in either case (a connect request
 * with the session's id and password, then closeSession, over bash's {@code /dev/tcp}): the next
 * leader is elected at once instead of a session timeout later. That is safe because the JVM's lease
 * has run out by then (it is dead, or silent for longer than its lease). A clean release says
 * {@code release} first: the address goes, the session stays. The guard ignores the signals a
 * service manager sends to the whole unit, so it outlives the JVM long enough to do its job.
 */
final class VipGuard {

    // $1 silence in seconds (0: none), $2 ADDR/PREFIX, $3 interface; all validated by the caller
    private static final String SCRIPT = """
            trap '' TERM INT HUP
            bytes() { local h; h=$(printf '%s' "$*" | tr -d ' '); printf "$(printf '%s' "$h" | sed 's/../\\\\x&/g')"; }
            end_session() {
              local id=$1 pw=$2 hp host port
              for hp in ${3//,/ }; do
                host=${hp%:*}; port=${hp##*:}
                if exec 3<>"/dev/tcp/$host/$port"; then
                  bytes 0000002d 00000000 0000000000000000 00000bb8 "$id" $(printf '%08x' $((${#pw} / 2))) "$pw" 00 >&3
                  timeout 2 head -c 4 <&3 >/dev/null
                  bytes 00000008 00000001 fffffff5 >&3
                  timeout 2 head -c 4 <&3 >/dev/null
                  exec 3>&-
                  return 0
                fi
              done
            }
            session=
            while :; do
              if [ "$1" = 0 ]; then read -r line; else read -r -t "$1" line; fi || break
              case "$line" in
                release) ip addr del "$2" dev "$3" 2>/dev/null; exit 0 ;;
                session\\ *) session=${line#session } ;;
              esac
            done
            ip addr del "$2" dev "$3" 2>/dev/null
            # bounded: a server that does not answer must not keep the guard (and a connect) around for minutes
            if [ -n "$session" ]; then timeout 5 bash -c "$(declare -f bytes end_session); end_session $session" 2>/dev/null; fi
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
        String seconds = silence.isZero() ? "0" : String.format(Locale.ROOT, "%d.%03d", silence.toSeconds(), silence.toMillisPart());
        cmd.addAll(List.of("bash", "-c", SCRIPT, "icbd-vip-guard", seconds, cidr, iface));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new VipGuard(p);
    }

    /** Tells the guard the JVM is alive and leading; fails when the guard is gone (it has removed the address). */
    void beat() throws IOException {
        say("beat");
    }

    /** The session to end when the JVM dies or freezes (the guard keeps the last one it was told). */
    void endOnDeath(ZooKeeperSession session) throws IOException {
        say(session.line());
    }

    private void say(String line) throws IOException {
        if (!process.isAlive()) throw new IOException("the virtual IP guard has exited (it removed the address)");
        synchronized (pipe) {
            pipe.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            pipe.flush();
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /**
     * The guard removes the address and exits, leaving the session alone. Waits for that only briefly:
     * a guard that has already timed out on a silence removed the address first and may now spend up
     * to 5 s trying to end the session on an unreachable ZooKeeper; a stopping leader must not wait on
     * that (it would keep its portal open as long). The caller removes the address itself if it is
     * still there; the guard exits on its own.
     */
    void stop() throws IOException {
        try {
            say("release");
        } catch (IOException e) {
            // the guard is gone already
        }
        try {
            pipe.close();
        } catch (IOException e) {
            // likewise
        }
        try {
            process.waitFor(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for the virtual IP guard", e);
        }
    }
}
