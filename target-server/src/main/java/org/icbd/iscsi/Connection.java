package org.icbd.iscsi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection: a reader (this runnable) that frames PDUs and dispatches them in CmdSN order,
 * a {@link PduWriter} that sends in order, and its life cycle (timers, closing). Login is
 * {@link LoginPhase}, SCSI commands {@link CommandRunner}, Data-Out {@link DataOutSequencer}, task
 * management {@link TaskManagement}, every reply is built by {@link Responses}.
 *
 * <p>Nothing that goes wrong here (a bug, a hostile client, memory running out in this connection's
 * own allocations) leaves this connection: it is answered, or the connection is closed.
 */
final class Connection implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Connection.class);
    /** Login PDUs may carry at most 8192 bytes of data (RFC 7143 §13.12). */
    private static final int LOGIN_MAX_DATA = 8192;

    private final SessionRegistry sessions;
    private final IscsiSettings settings;
    private final SocketChannel channel;
    private final LongSupplier clock;
    private final String peer;
    private final PduWriter writer;
    private final PduFramer framer = new PduFramer(LOGIN_MAX_DATA);
    private final LoginPhase login;
    private final DataOutSequencer sequencer;
    private final TaskManagement taskManagement;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Runnable onClose;
    private final long createdNanos;
    private volatile boolean draining;  // a fatal error was answered; nothing more is read
    private volatile Session session;
    private volatile CommandRunner commands;
    private volatile long lastReceiveNanos;
    private volatile long pingSentNanos;    // 0 when no target ping is outstanding

    Connection(SessionRegistry sessions, SocketChannel channel, LongSupplier clock, Runnable onClose) {
        this.sessions = sessions;
        this.settings = sessions.settings();
        this.channel = channel;
        this.clock = clock;
        this.onClose = onClose;
        this.peer = describe(channel);
        this.writer = new PduWriter(channel, sessions.gate(), () -> close("connection lost"), clock);
        this.login = new LoginPhase(sessions, this, writer, framer, this::started);
        this.sequencer = new DataOutSequencer(writer::send);
        this.taskManagement = new TaskManagement(sessions);
        this.createdNanos = clock.getAsLong();
        this.lastReceiveNanos = createdNanos;
    }

    private static String describe(SocketChannel ch) {
        try {
            return String.valueOf(ch.getRemoteAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    String peer() {
        return peer;
    }

    @Override
    public void run() {
        try {
            Thread.ofVirtual().name("iscsi-writer-" + peer).start(writer);
            readLoop();
        } catch (FramingException e) {
            log.info("{}: closing connection: {}", peer, e.getMessage());
            sessions.metrics().reject();
            if (e.bhs() != null && session != null) writer.send(Responses.reject(e.bhs(), e.rejectReason()));
            closeAfterFlush(e.getMessage());
        } catch (IOException e) {
            log.debug("{}: read ended: {}", peer, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (OutOfMemoryError e) {
            log.warn("{}: out of memory serving this connection; closing it", peer);
        } catch (RuntimeException e) {
            // a bug must cost this connection only, never the server or other sessions
            log.error("{}: internal error, closing connection", peer, e);
        } finally {
            close("reader ended");
        }
    }

    private void readLoop() throws IOException, FramingException, InterruptedException {
        ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
        while (!closed.get()) {
            awaitRoomForReplies();
            in.clear();
            int n = channel.read(in);
            if (n < 0) return;
            lastReceiveNanos = clock.getAsLong();
            pingSentNanos = 0;
            in.flip();
            RawPdu pdu;
            while (!closed.get() && !draining && (pdu = framer.next(in)) != null) {
                dispatch(pdu);
                awaitRoomForReplies();
            }
        }
    }

    /**
     * Reads nothing more while the initiator leaves its replies untaken: what it sends next (an
     * immediate NOP-Out bypasses the command window) would pile up replies without bound. The
     * ticker closes the connection once the writer has not moved for {@code send-timeout}.
     */
    private void awaitRoomForReplies() throws InterruptedException {
        if (!writer.awaitRoom(settings.replyQueueBytes(), 2 * settings.sendTimeout().toNanos())) {
            close("replies not taken by the initiator");
        }
    }

    private void started(Session s) {
        commands = new CommandRunner(s, sessions, sequencer, writer::send, clock, peer);
        session = s;
    }

    /** One PDU from the initiator, in arrival order, on the reader thread. */
    private void dispatch(RawPdu raw) {
        Session s = session;
        if (s == null) {
            login.handle(raw);
            return;
        }
        InboundPdu pdu;
        try {
            pdu = PduParser.parse(raw);
        } catch (PduParser.MalformedPduException e) {
            log.info("{}: rejecting malformed PDU: {}", peer, e.getMessage());
            reject(e.bhs(), RejectReason.INVALID_PDU_FIELD);
            return;
        }
        switch (pdu) {
            case InboundPdu.ScsiCommand c -> {
                if (c.immediateData().length > 0 && !s.params.immediateData()) {
                    log.info("{}: immediate data on ITT 0x{} after ImmediateData=No; rejected", peer, Integer.toHexString(c.itt()));
                    reject(c.bhs(), RejectReason.PROTOCOL_ERROR);
                    return;
                }
                ordered(c.immediate(), c.cmdSn(), c);
            }
            case InboundPdu.DataOut d -> commands.dataOut(d);
            case InboundPdu.NopOut n -> {
                if (n.itt() == Opcode.NO_TAG) return;  // answer to our ping; receiving it reset the idle clock
                ordered(n.immediate(), n.cmdSn(), n);
            }
            case InboundPdu.TaskMgmt t -> ordered(t.immediate(), t.cmdSn(), t);
            case InboundPdu.Text t -> ordered(t.immediate(), t.cmdSn(), t);
            case InboundPdu.Logout l -> ordered(l.immediate(), l.cmdSn(), l);
            case InboundPdu.Login l -> reject(l.bhs(), RejectReason.PROTOCOL_ERROR);
            case InboundPdu.Unsupported u -> reject(u.bhs(), u.opcode() == Opcode.SNACK_REQUEST
                    ? RejectReason.PROTOCOL_ERROR : RejectReason.COMMAND_NOT_SUPPORTED);
        }
    }

    private void ordered(boolean immediate, int cmdSn, InboundPdu pdu) {
        Session s = session;
        if (immediate) {
            execute(pdu, false);
            return;
        }
        switch (s.window.offer(cmdSn, pdu)) {
            case DELIVER -> {
                execute(pdu, true);
                for (InboundPdu next : s.window.drainReady()) execute(next, true);
            }
            case HOLD -> log.debug("{}: CmdSN {} held until the gap before it fills", peer, cmdSn);
            case DROP -> log.debug("{}: CmdSN {} outside window [{}, {}]: ignored", peer, cmdSn,
                    s.window.expCmdSn(), s.window.maxCmdSn());
        }
    }

    /** Runs a command whose turn has come; {@code windowed} commands hold a window slot until done. */
    private void execute(InboundPdu pdu, boolean windowed) {
        Session s = session;
        if (pdu instanceof InboundPdu.ScsiCommand c) {
            commands.submit(c, windowed);
            return;
        }
        if (pdu instanceof InboundPdu.Logout l) {
            logout(l, windowed);
            return;
        }
        switch (pdu) {
            case InboundPdu.TaskMgmt t -> taskManagement(s, t);
            case InboundPdu.Text t -> text(s, t);
            case InboundPdu.NopOut n -> writer.send(Responses.nopIn(n, s.params.initiatorMaxRecvDataSegmentLength()));
            default -> throw new IllegalStateException("not an ordered PDU: " + pdu);
        }
        if (windowed) s.window.completed();
    }

    private void taskManagement(Session s, InboundPdu.TaskMgmt t) {
        if (s.isDiscovery()) {
            log.info("{}: task management function {} in a discovery session; rejected", peer, t.function());
            reject(t.bhs(), RejectReason.PROTOCOL_ERROR);
            return;
        }
        boolean cold = t.function() == TaskManagement.TARGET_COLD_RESET;
        taskManagement.perform(s, t).thenAccept(response -> {
            OutboundPdu p = Responses.taskManagement(t, response);
            if (cold) p.afterSend(() -> close("target cold reset"));
            writer.send(p);
        });
    }

    private void text(Session s, InboundPdu.Text t) {
        try {
            byte[] data = SendTargets.answer(t.data(), s, sessions.targets(), SendTargets.portal(channel),
                    s.params.initiatorMaxRecvDataSegmentLength());
            writer.send(Responses.text(t, data));
        } catch (TextParameters.MalformedTextException e) {
            reject(t.bhs(), RejectReason.PROTOCOL_ERROR);
        }
    }

    private void logout(InboundPdu.Logout l, boolean windowed) {
        if (windowed) session.window.completed();
        // answer only after commands already received have finished, then close
        Thread.ofVirtual().name("iscsi-logout").start(() -> {
            awaitTasks(Duration.ofSeconds(30));
            writer.send(Responses.logout(l).afterSend(() -> close("logout")));
        });
    }

    private void reject(byte[] rejectedBhs, int reason) {
        sessions.metrics().reject();
        writer.send(Responses.reject(rejectedBhs, reason));
    }

    /** Called about once a second by the portal: login timeout, idle pings, dead peers, stalled transfers. */
    void tick(long now) {
        if (closed.get()) return;
        Session s = session;
        if (s == null) {
            if (now - createdNanos > settings.loginTimeout().toNanos()) close("login timeout");
            return;
        }
        if (writer.stalledFor(now) > settings.sendTimeout().toNanos()) {
            log.info("{}: replies not taken for {} s (send-timeout); closing", peer, settings.sendTimeout().toSeconds());
            close("send timeout");
            return;
        }
        commands.expireStalledWrites(now);
        long sent = pingSentNanos;
        if (sent != 0) {
            if (now - sent > settings.nopTimeout().toNanos()) close("no answer to NOP-In ping");
            return;
        }
        if (now - lastReceiveNanos > settings.nopInterval().toNanos()) {
            pingSentNanos = now;
            writer.send(Responses.ping(sequencer.nextTtt()));
        }
    }

    void awaitTasks(Duration timeout) {
        Session s = session;
        if (s == null) return;
        for (int itt : s.tasks.awaitExecuting(timeout)) {
            log.warn("{}: task 0x{} still running after {}", peer, Integer.toHexString(itt), timeout);
        }
    }

    private void closeAfterFlush(String why) {
        draining = true;
        OutboundPdu marker = new OutboundPdu(-1, null, OutboundPdu.StatSn.NONE);
        marker.afterSend(() -> close(why));
        writer.send(marker);
    }

    void close(String why) {
        if (!closed.compareAndSet(false, true)) return;
        log.debug("{}: closing: {}", peer, why);
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("{}: close failed: {}", peer, e.toString());
        }
        writer.shutdown();
        Session s = session;
        if (s != null) {
            s.tasks.abortWhere(t -> true);
            sessions.unregister(s);
            if (s.nexus != null) s.target.scsi().nexusRemoved(s.nexus);
        }
        onClose.run();
    }

    boolean isClosed() {
        return closed.get();
    }

    long queuedReplyBytes() {
        return writer.queuedBytes();
    }
}
