package org.icbd.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A connection's timers on a virtual clock: the test moves time and runs the ticker's rounds itself,
 * so timeouts of 15 to 30 s are checked exactly and at once (as Netty's IdleStateHandler tests do).
 * The bytes go over a real loopback socket into a real connection.
 */
class ConnectionTimersTest {

    static final String IQN = "iqn.2026-11.org.icbd:timers";
    static final String INIT = "iqn.2026-11.org.example:timers";
    static final long S = TimeUnit.SECONDS.toNanos(1);

    @TempDir
    Path dir;
    TestDisk disk;
    ServerSocketChannel listener;
    SessionRegistry sessions;
    IscsiServer portal;
    final AtomicLong now = new AtomicLong(1_000 * S);
    final IscsiSettings settings = IscsiSettings.defaults();  // login 15 s, NOP 30 s + 30 s, Data-Out 20 s, send 30 s

    @BeforeEach
    void start() throws IOException {
        disk = new TestDisk(dir, IQN, 16);
        sessions = new SessionRegistry(settings, LoginNegotiatorTest.registry(disk.target), new SimpleMeterRegistry());
        portal = new IscsiServer(sessions, true, now::get);  // not started: no ticker of its own
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() throws IOException {
        portal.close();
        listener.close();
        disk.close();
    }

    /** A client socket whose other end is served by a connection of {@link #portal}. */
    RawInitiator connect(int receiveBuffer) throws IOException {
        RawInitiator c = new RawInitiator((InetSocketAddress) listener.getLocalAddress(), receiveBuffer);
        portal.serve(listener.accept());
        return c;
    }

    RawInitiator loggedIn() throws IOException {
        RawInitiator c = connect(0);
        assertEquals(LoginStatus.SUCCESS, RawInitiator.loginStatus(c.login(INIT, IQN, new byte[] {0x40, 0, 0, 0, 0, 1})));
        return c;
    }

    /**
     * Moves the clock and runs a ticker round. Waits first until the writer has accounted for what the
     * client already read (its bookkeeping may trail the bytes by a moment): a jump of the virtual
     * clock in that moment would look like replies stalled for the whole jump.
     */
    void advance(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + 2 * S;
        while (portal.queuedReplyBytes() > 0 && System.nanoTime() < deadline) Thread.sleep(5);
        advanceNow(nanos);
    }

    void advanceNow(long nanos) {
        now.addAndGet(nanos);
        portal.tick();
    }

    @Test
    void loginMustCompleteWithinLoginTimeout() throws Exception {
        try (RawInitiator c = connect(0)) {
            c.send(new byte[20]);
            advance(14 * S);
            assertFalse(c.closedByTarget(300), "still within login-timeout");
            advance(2 * S);
            assertTrue(c.closedByTarget(5000), "closed once login-timeout passed");
        }
    }

    @Test
    void idleInitiatorIsPingedThenDroppedWhenItDoesNotAnswer() throws Exception {
        try (RawInitiator c = loggedIn()) {
            advance(29 * S);
            assertFalse(c.closedByTarget(300), "no ping before nop-interval");
            advance(2 * S);
            RawPdu ping = c.next(Opcode.NOP_IN);
            assertEquals(Opcode.NO_TAG, Bhs.itt(ping.bhs()));
            advance(29 * S);
            assertFalse(c.closedByTarget(300), "the ping may be answered until nop-timeout");
            advance(2 * S);
            assertTrue(c.closedByTarget(5000));
        }
    }

    @Test
    void answeredPingKeepsTheConnection() throws Exception {
        try (RawInitiator c = loggedIn()) {
            advance(31 * S);
            RawPdu ping = c.next(Opcode.NOP_IN);
            c.send(new PduBytes(Opcode.NOP_OUT).immediate().flags(0x80).i32(16, Opcode.NO_TAG)
                    .i32(20, Bhs.i32(ping.bhs(), 20)).wire());
            c.send(RawInitiator.ping(0x5, new byte[0]));  // a round trip proves the answer was read
            assertEquals(0x5, Bhs.itt(c.next(Opcode.NOP_IN).bhs()));
            advance(29 * S);
            assertFalse(c.closedByTarget(300));
        }
    }

    @Test
    void writeWhoseDataOutStopsFailsAfterDataOutTimeout() throws IOException, InterruptedException {
        try (RawInitiator c = loggedIn()) {
            c.send(RawInitiator.write10(0x21, 1, 0, 64, new byte[0]));
            RawPdu r2t = c.next(Opcode.R2T);
            int held = sessions.budget().capacity() - sessions.budget().available();
            assertEquals(32768, held, "the write holds its length of the budget");
            advance(10 * S);
            c.send(RawInitiator.dataOut(0x21, Bhs.i32(r2t.bhs(), 20), 0, 0, new byte[4096], false));
            c.send(RawInitiator.ping(0x22, new byte[0]));
            c.next(Opcode.NOP_IN);  // the Data-Out was read: its clock restarted
            advance(19 * S);
            c.send(RawInitiator.ping(0x23, new byte[0]));
            assertEquals(0x23, Bhs.itt(c.next(Opcode.NOP_IN).bhs()), "no answer to the write yet");
            advance(2 * S);
            RawPdu resp = c.response(0x21);
            assertEquals(2, RawInitiator.status(resp));
            assertEquals("b/4b/06", RawInitiator.sense(resp));
            long deadline = System.nanoTime() + 5 * S;
            while (sessions.budget().available() != sessions.budget().capacity() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(sessions.budget().capacity(), sessions.budget().available());
            // late data for the failed write is dropped; the session goes on
            c.send(RawInitiator.dataOut(0x21, Bhs.i32(r2t.bhs(), 20), 1, 4096, new byte[4096], false));
            c.send(RawInitiator.testUnitReady(0x24, 2));
            c.response(0x24);
        }
    }

    @Test
    void connectionWhoseRepliesAreNotTakenIsDroppedAfterSendTimeout() throws Exception {
        try (RawInitiator c = connect(16 * 1024)) {
            assertEquals(LoginStatus.SUCCESS, RawInitiator.loginStatus(c.login(INIT, IQN, new byte[] {0x40, 0, 0, 0, 0, 1},
                    Map.of("MaxRecvDataSegmentLength", "262144"))));
            Thread sender = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 200; i++) c.send(RawInitiator.ping(i, new byte[256 * 1024]));
                } catch (IOException e) {
                    // the target closed the connection
                }
            });
            long deadline = System.nanoTime() + 10 * S;
            while (portal.queuedReplyBytes() < settings.replyQueueBytes() && System.nanoTime() < deadline) Thread.sleep(10);
            Thread.sleep(300);
            long queued = portal.queuedReplyBytes();
            assertTrue(queued >= settings.replyQueueBytes(), "replies pile up to the limit: " + queued);
            assertTrue(queued <= settings.replyQueueBytes() + 2 * 256 * 1024 + 4096, "and no further: " + queued);
            advanceNow(29 * S);
            assertTrue(sender.isAlive(), "the target stopped reading; the sender is blocked");
            advanceNow(2 * S);
            sender.join(10_000);
            assertFalse(sender.isAlive(), "the connection was closed after send-timeout");
            assertEquals(0, portal.queuedReplyBytes());
        }
    }
}
