package org.icbd.systest.cluster;

import static org.icbd.systest.cluster.ClusterLab.count;
import static org.icbd.systest.cluster.ClusterLab.icbd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.icbd.systest.Tool;
import org.junit.jupiter.api.Test;

/**
 * Only one node answers for a disk, whatever happens to the leader: frozen (SIGSTOP past the session
 * timeout, then SIGCONT) it answers nothing on its old sessions and accepts no login; killed (kill -9)
 * its host drops the virtual IP and the initiator carries on with the new leader. Two nodes replicating
 * clone ws01 synchronously and a ZooKeeper server, each a real process in a network namespace of its own,
 * and initiators (qemu-io over libiscsi) in a fourth.
 */
class PauseFailoverTest extends TwoNodeFixture {

    private static final String VIP = ClusterLab.VIP;
    private static final String WS01 = ClusterLab.WS01;
    private static final String VIA_VIP = "iscsi://" + VIP + "/" + WS01 + "/0";
    private static final int IMAGE_BYTES = ClusterLab.IMAGE_BYTES;
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(3);


    /**
     * Node {@code name} at 10.77.0.{@code n} serving clone ws01 (of version lab@1, all 0x5a) read-write,
     * replicated synchronously; the first node imports the version and makes the clone, the other gets both
     * from it.
     */
    private ClusterNode node(String name, int n, Path root, boolean first) throws Exception {
        if (first) {
            ClusterLab.publishLab(root);
            ClusterLab.cloneWs01(root);
        }
        return cluster.node(name, n, root, SESSION_TIMEOUT.toSeconds() + "s", "mode: sync, interval: 30s");
    }

    /** a leads, b stands by in sync for ws01 (it has every acknowledged write). */
    private NodeProcess[] leaderAndStandbyInSync(ClusterNode a, ClusterNode b) throws Exception {
        NodeProcess pa = cluster.serve(a);
        awaitHolder(a, 30);
        NodeProcess pb = cluster.serve(b);
        assertTrue(pa.awaitOutput("standby b is in sync for ws01", 90), pa.output());
        return new NodeProcess[] {pa, pb};
    }

    private static void awaitHolder(ClusterNode n, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Lab.holds(n.ns(), VIP)) {
            if (System.nanoTime() > end) throw new AssertionError(n.name() + " did not take the virtual IP within " + seconds + " s");
            Thread.sleep(20);
        }
    }

    /** qemu-io in the client namespace: the commands in turn against {@code url}. */
    private Tool.Result qemuIo(Duration limit, String url, String... commands) throws Exception {
        return qemuIo(cluster.clientNs(), limit, url, commands);
    }

    private static Tool.Result qemuIo(String ns, Duration limit, String url, String... commands) throws Exception {
        return Tool.run(limit, ClusterLab.qemuIoCommand(ns, true, false, url, commands).toArray(String[]::new));
    }

    /** Waits until a 4 KiB write of {@code pattern} at {@code offset} through the VIP is acknowledged; false after {@code seconds}. */
    private boolean writeThroughVip(int pattern, long offset, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            Tool.Result r = qemuIo(Duration.ofSeconds(3), VIA_VIP, "write -P " + pattern + " " + offset + " 4k");
            if (r.ok() && r.output().contains("wrote 4096/4096")) return true;
            Thread.sleep(100);
        }
        return false;
    }

    private Tool.Result readThroughVip(String... reads) throws Exception {
        Tool.Result r = qemuIo(Duration.ofSeconds(60), VIA_VIP, reads);
        assertTrue(r.ok(), r::describe);
        return r;
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }


    /**
     * Scenario (b): the leader freezes past the session timeout with a READ and a WRITE queued on an
     * initiator's session (in its socket, unread) and logins queued on its own address; the standby
     * takes over and acknowledges newer data; the old leader thaws. Nothing it answers after that is
     * GOOD: no read of its old data, no write acknowledged, no login accepted.
     */
    /**
     * The JVM alone freezes (a long GC pause): its VIP guard removes the address once the lease has run
     * out, before the standby takes it, so the VIP is never on both hosts.
     */
    @Test
    void aLeaderFrozenPastItsSessionAnswersNothingWhenItThaws() throws Exception {
        freezeTheLeader(false);
    }

    /**
     * The whole host stalls (the JVM and its VIP guard) and the JVM runs again first: the VIP is still on
     * it, so only its own check of its lease keeps it from answering.
     */
    @Test
    void aStalledLeaderHostAnswersNothingWhenItResumes() throws Exception {
        freezeTheLeader(true);
    }

    private void freezeTheLeader(boolean wholeHost) throws Exception {
        ClusterNode a = node("a", 2, diskA.fs().root(), true);
        ClusterNode b = node("b", 3, diskB.fs().root(), false);
        NodeProcess[] p = leaderAndStandbyInSync(a, b);
        NodeProcess pa = p[0];
        assertTrue(writeThroughVip(0xa1, 0, 10), "the leader acknowledges the old data");

        // a second client whose ARP cache stays on a's host: whatever it gets answered, a answered
        String staleNs = cluster.host("stale", 8);
        Lab.pinNeighbour(staleNs, VIP, Lab.mac(a.ns()));
        Path oldOut = tmp.resolve("old-session.out");
        Process old = cluster.initiator(staleNs, oldOut, VIA_VIP);
        OutputStream oldIn = old.getOutputStream();
        oldIn.write("read -P 0xa1 0 4k\n".getBytes(StandardCharsets.US_ASCII));
        oldIn.flush();
        awaitText(oldOut, "read 4096/4096", 30, pa);

        pa.pause(wholeHost);
        long frozenAt = System.nanoTime();
        // queued while it is frozen: they wait, unread, in its socket buffers
        oldIn.write("aio_read -P 0xa1 0 4k\naio_write -P 0xc3 8k 4k\n".getBytes(StandardCharsets.US_ASCII));
        oldIn.flush();
        List<Path> loginOuts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path out = tmp.resolve("queued-login-" + i + ".out");
            loginOuts.add(out);
            cluster.initiator(staleNs, out, VIA_VIP, "read -P 0xa1 0 4k");
        }

        // the standby takes over; unless the whole host is frozen, the VIP is never on both (the guard dropped it)
        long overlapMs = 0;
        long bothSince = -1;
        long end = frozenAt + TimeUnit.SECONDS.toNanos(60);
        while (!Lab.holds(b.ns(), VIP) || (!wholeHost && Lab.holds(a.ns(), VIP))) {
            assertTrue(System.nanoTime() < end, "b did not take over from the frozen a within 60 s");
            boolean both = Lab.holds(a.ns(), VIP) && Lab.holds(b.ns(), VIP);
            if (both && bothSince < 0) bothSince = System.nanoTime();
            if (!both && bothSince >= 0) {
                overlapMs = Math.max(overlapMs, (System.nanoTime() - bothSince) / 1_000_000);
                bothSince = -1;
            }
            Thread.sleep(10);
        }
        if (bothSince >= 0) overlapMs = Math.max(overlapMs, (System.nanoTime() - bothSince) / 1_000_000);
        long takenAt = System.nanoTime();
        long takenMs = (takenAt - frozenAt) / 1_000_000;
        assertTrue(writeThroughVip(0xb2, 0, 30), "the new leader acknowledges newer data");
        // the guard ends a frozen JVM's ZooKeeper session early, so the takeover can beat the session
        // timeout: keep it frozen past that timeout anyway, the pause this scenario is about
        long pastTimeout = SESSION_TIMEOUT.toMillis() + 500 - (System.nanoTime() - frozenAt) / 1_000_000;
        if (pastTimeout > 0) Thread.sleep(pastTimeout);
        long frozenFor = (System.nanoTime() - frozenAt) / 1_000_000;

        pa.resume(Duration.ofMillis(300));
        long resumedAt = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(300);
        while (Lab.holds(a.ns(), VIP) && System.nanoTime() - resumedAt < TimeUnit.SECONDS.toNanos(10)) Thread.sleep(10);
        long vipLeftMs = (System.nanoTime() - resumedAt) / 1_000_000;
        // a stalled host holds the VIP until it runs again: nothing on it can remove it before
        if (wholeHost) overlapMs = (System.nanoTime() - takenAt) / 1_000_000;
        // new logins to the thawed node (through the pinned ARP entry), for a few seconds
        int lateLogins = 0;
        int tries = 0;
        while (System.nanoTime() - resumedAt < TimeUnit.SECONDS.toNanos(3)) {
            Tool.Result r = qemuIo(staleNs, Duration.ofSeconds(2), VIA_VIP, "read -P 0xa1 0 4k");
            tries++;
            if (r.output().contains("read 4096/4096")) lateLogins++;
            Thread.sleep(100);
        }
        oldIn.close();
        if (!old.waitFor(3, TimeUnit.SECONDS)) old.destroyForcibly().waitFor(); // it may retry a login nobody answers
        String oldSession = read(oldOut);
        int queuedLoginsAnswered = 0;
        for (Path out : loginOuts) if (read(out).contains("read 4096/4096")) queuedLoginsAnswered++;

        int staleReads = count(oldSession, "read 4096/4096") - 1 + queuedLoginsAnswered;
        System.out.printf("%s: leader frozen %d ms (session timeout %d ms); b held the VIP after %d ms; VIP on both hosts"
                        + " %d ms, gone from the old leader %d ms after it resumed; after the thaw: %d stale reads,"
                        + " %d writes acknowledged on the old session, %d of %d queued logins and %d of %d new logins to the old"
                        + " leader answered%n", wholeHost ? "host stall" : "JVM pause",
                frozenFor, SESSION_TIMEOUT.toMillis(), takenMs, overlapMs, vipLeftMs, staleReads, count(oldSession, "wrote 4096/4096"),
                queuedLoginsAnswered, loginOuts.size(), lateLogins, tries);
        assertEquals(0, staleReads, "a read answered by the deposed leader with its old data:\n" + oldSession);
        assertEquals(0, count(oldSession, "wrote 4096/4096"), "a write acknowledged by the deposed leader:\n" + oldSession);
        assertEquals(0, queuedLoginsAnswered, "a login queued while frozen was accepted after the thaw");
        assertEquals(0, lateLogins, "a login to the deposed leader was accepted after the thaw");
        if (!wholeHost) assertEquals(0, overlapMs, "the VIP was on both hosts while the JVM was frozen");
        assertTrue(vipLeftMs < SESSION_TIMEOUT.toMillis(), "the resumed node dropped the VIP " + vipLeftMs + " ms after it ran again");

        // the cluster's data is the new leader's: its write, and not the old session's
        Tool.Result now = readThroughVip("read -P 0xb2 0 4k", "read -P 0x5a 8k 4k");
        assertFalse(now.output().contains("Pattern verification failed"), now::describe);
        assertFalse(Lab.holds(a.ns(), VIP), "the thawed node stands by");
    }

    /**
     * Scenario (c), and what the README promises of a failover: the leader is killed (kill -9) while an
     * initiator writes; the dead host drops the VIP at once, a fresh client reaches the new leader through
     * it, and the same initiator process carries on with no error, every write it saw acknowledged there.
     */
    @Test
    void aKilledLeadersHostDropsTheVipAndTheInitiatorCarriesOn() throws Exception {
        ClusterNode a = node("a", 2, diskA.fs().root(), true);
        ClusterNode b = node("b", 3, diskB.fs().root(), false);
        NodeProcess[] p = leaderAndStandbyInSync(a, b);
        NodeProcess pa = p[0];

        // one initiator process: 1024 writes of 4 KiB, each with its own pattern (never the image's 0x5a)
        List<String> writes = new ArrayList<>();
        for (int k = 0; k < IMAGE_BYTES / 4096; k++) {
            writes.add("write -P " + pattern(k) + " " + k * 4096L + " 4k");
            writes.add("sleep 5");
        }
        Path writerOut = tmp.resolve("writer.out");
        Process writer = cluster.initiator(cluster.clientNs(), writerOut, VIA_VIP, writes.toArray(String[]::new));
        while (count(read(writerOut), "wrote 4096/4096") < 64) {
            assertTrue(writer.isAlive(), () -> "the writer ended early: " + read(writerOut));
            Thread.sleep(10);
        }

        long killedAt = System.nanoTime();
        LocalTime killedClock = LocalTime.now();
        pa.kill();
        while (Lab.holds(a.ns(), VIP)) {
            assertTrue(System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(10), "the dead host keeps the VIP");
            Thread.sleep(5);
        }
        long vipGoneMs = (System.nanoTime() - killedAt) / 1_000_000;
        Thread.sleep(200); // what the writer printed of a's last acknowledgements is in the file by now
        int beforeFailover = count(read(writerOut), "wrote 4096/4096");
        long bHeldMs = -1;
        while (count(read(writerOut), "wrote 4096/4096") == beforeFailover) {
            if (bHeldMs < 0 && Lab.holds(b.ns(), VIP)) bHeldMs = (System.nanoTime() - killedAt) / 1_000_000;
            assertTrue(writer.isAlive(), () -> "the writer gave up at the failover:\n" + read(writerOut));
            assertTrue(System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(60), () -> "no write acknowledged within 60 s of the kill:\n"
                    + read(writerOut));
            Thread.sleep(10);
        }
        long firstWriteMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertFalse(Lab.holds(a.ns(), VIP), "the dead host does not hold the VIP");
        assertTrue(Lab.holds(b.ns(), VIP), "the new leader does");
        Tool.Result fresh = qemuIo(Duration.ofSeconds(20), VIA_VIP, "read -P 0x5a " + (IMAGE_BYTES - 4096) + " 4k");
        assertTrue(fresh.ok() && fresh.output().contains("read 4096/4096"), () -> "a fresh client reaches the new leader: " + fresh.describe());

        assertTrue(writer.waitFor(120, TimeUnit.SECONDS), "the writer finishes");
        String written = read(writerOut);
        assertEquals(0, writer.exitValue(), written);
        assertEquals(IMAGE_BYTES / 4096, count(written, "wrote 4096/4096"), "every write of the initiator succeeded:\n" + written);
        assertFalse(written.toLowerCase(Locale.ROOT).contains("error"), written);

        List<String> reads = new ArrayList<>();
        Matcher m = Pattern.compile("wrote 4096/4096 bytes at offset (\\d+)").matcher(written);
        while (m.find()) {
            long off = Long.parseLong(m.group(1));
            reads.add("read -P " + pattern((int) (off / 4096)) + " " + off + " 4k");
        }
        Tool.Result back = readThroughVip(reads.toArray(String[]::new));
        assertFalse(back.output().contains("Pattern verification failed"), () -> "an acknowledged write is lost:\n" + back.describe());
        assertEquals(reads.size(), count(back.output(), "read 4096/4096"), back::describe);
        // what the service unit runs after the process ended (ExecStopPost), in case the guard went with it
        Lab.ip("-n", a.ns(), "addr", "add", VIP + "/24", "dev", "eth0");
        assertTrue(icbd(a.ns(), "cluster", "drop-vip", "--config", a.config().toString()).contains("removed " + VIP));
        assertFalse(Lab.holds(a.ns(), VIP));
        assertTrue(icbd(a.ns(), "cluster", "drop-vip", "--config", a.config().toString()).contains("was not on"));
        Path standalone = tmp.resolve("standalone.yaml");
        Files.writeString(standalone, "targets: []\n");
        assertTrue(icbd(a.ns(), "cluster", "drop-vip", "--config", standalone.toString()).contains("no 'cluster' section"));

        System.out.printf("kill -9: the dead host dropped the VIP after %d ms; the initiator's first write acknowledged by the new"
                + " leader %d ms after the kill (the new leader held the VIP after %d ms); it went on to finish all %d writes with no"
                + " error%n", vipGoneMs, firstWriteMs, bHeldMs, reads.size());
        System.out.println("killed at " + killedClock + "; the new leader's log of the take-over:\n" + p[1].output().lines()
                .filter(l -> l.contains("leading in epoch") || l.contains("promoted from") || l.contains("serving cluster")
                        || l.contains("ZooKeeper connection"))
                .collect(Collectors.joining("\n")));
    }

    /** The pattern byte of the k-th 4 KiB write: 0x80 to 0xe3, never the image's 0x5a. */
    private static int pattern(int k) {
        return 0x80 + k % 100;
    }

    private static void awaitText(Path file, String text, int seconds, NodeProcess server) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!read(file).contains(text)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no '" + text + "' in " + seconds + " s:\n" + read(file) + "\nthe server:\n" + server.output());
            }
            Thread.sleep(20);
        }
    }
}
