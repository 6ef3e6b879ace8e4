package org.icbd.iscsi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SequencedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.icbd.scsi.Nexus;
import org.icbd.scsi.ScsiRequest;
import org.icbd.scsi.ScsiResponse;
import org.icbd.scsi.TaskAttribute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection: a reader (this runnable) that frames and dispatches PDUs, a
 * {@link PduWriter} that sends in order, and one virtual thread per SCSI command.
 *
 * <p>Everything about gathering Data-Out (R2Ts, offsets) happens on the reader thread, so it
 * needs no locks; command threads only execute and hand their PDUs to the writer.
 */
final class Connection implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Connection.class);
    /** Login PDUs may carry at most 8192 bytes of data (RFC 7143 §13.12). */
    private static final int LOGIN_MAX_DATA = 8192;

    private final IscsiServer server;
    private final SocketChannel channel;
    private final String peer;
    private final PduWriter writer;
    private final PduFramer framer = new PduFramer(LOGIN_MAX_DATA);
    private final LoginNegotiator login;
    private final Semaphore budget;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean draining;  // a fatal error was answered; nothing more is read
    private final AtomicInteger nextTtt = new AtomicInteger(1);
    private boolean firstLoginResponse = true;
    private volatile Session session;
    private volatile long lastReceiveNanos = System.nanoTime();
    private volatile long pingSentNanos;    // 0 when no target ping is outstanding
    private final long createdNanos = System.nanoTime();

    Connection(IscsiServer server, SocketChannel channel) {
        this.server = server;
        this.channel = channel;
        this.peer = describe(channel);
        this.writer = new PduWriter(channel, server.gate(), () -> close("connection lost"));
        this.login = new LoginNegotiator(server.settings(), server.registry(), IscsiServer.TPGT);
        this.budget = server.memoryBudget();
    }

    private static String describe(SocketChannel ch) {
        try {
            return String.valueOf(ch.getRemoteAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    @Override
    public void run() {
        Thread.ofVirtual().name("iscsi-writer-" + peer).start(writer);
        ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
        try {
            while (!closed.get()) {
                in.clear();
                int n = channel.read(in);
                if (n < 0) break;
                lastReceiveNanos = System.nanoTime();
                pingSentNanos = 0;
                in.flip();
                RawPdu pdu;
                while (!closed.get() && !draining && (pdu = framer.next(in)) != null) {
                    dispatch(pdu);
                }
            }
        } catch (FramingException e) {
            log.info("{}: closing connection: {}", peer, e.getMessage());
            server.metrics().reject();
            if (e.bhs() != null && session != null) sendReject(e.bhs(), e.rejectReason());
            closeAfterFlush(e.getMessage());
        } catch (IOException e) {
            log.debug("{}: read ended: {}", peer, e.toString());
        } catch (RuntimeException e) {
            // a bug must cost this connection only, never the server or other sessions
            log.error("{}: internal error, closing connection", peer, e);
        } finally {
            close("reader ended");
        }
    }

    // ---------------------------------------------------------------- login phase

    private void dispatch(RawPdu raw) {
        if (session == null) {
            handleLogin(raw);
            return;
        }
        InboundPdu pdu;
        try {
            pdu = PduParser.parse(raw);
        } catch (PduParser.MalformedPduException e) {
            log.info("{}: rejecting malformed PDU: {}", peer, e.getMessage());
            sendReject(e.bhs(), RejectReason.INVALID_PDU_FIELD);
            return;
        }
        switch (pdu) {
            case InboundPdu.ScsiCommand c -> ordered(c.immediate(), c.cmdSn(), c);
            case InboundPdu.DataOut d -> dataOut(d);
            case InboundPdu.NopOut n -> {
                if (n.itt() == Opcode.NO_TAG) return;  // answer to our ping; receiving it reset the idle clock
                ordered(n.immediate(), n.cmdSn(), n);
            }
            case InboundPdu.TaskMgmt t -> ordered(t.immediate(), t.cmdSn(), t);
            case InboundPdu.Text t -> ordered(t.immediate(), t.cmdSn(), t);
            case InboundPdu.Logout l -> ordered(l.immediate(), l.cmdSn(), l);
            case InboundPdu.Login l -> sendReject(l.bhs(), RejectReason.PROTOCOL_ERROR);
            case InboundPdu.Unsupported u -> sendReject(u.bhs(), u.opcode() == Opcode.SNACK_REQUEST
                    ? RejectReason.PROTOCOL_ERROR : RejectReason.COMMAND_NOT_SUPPORTED);
        }
    }

    private void handleLogin(RawPdu raw) {
        if (raw.opcode() != Opcode.LOGIN_REQUEST) {
            log.info("{}: opcode 0x{} before login completed; closing", peer, Integer.toHexString(raw.opcode()));
            close("PDU before login");
            return;
        }
        InboundPdu.Login req;
        try {
            req = (InboundPdu.Login) PduParser.parse(raw);
        } catch (PduParser.MalformedPduException e) {
            close("malformed login");
            return;
        }
        if (firstLoginResponse) {
            writer.initialStatSn(req.expStatSn());
            writer.sequenceSource(login::loginCmdSn, () -> login.loginCmdSn() + server.settings().queueDepth() - 1);
        }
        LoginNegotiator.Response r = login.handle(req);
        int tsih = 0;
        if (r.outcome() == LoginNegotiator.Outcome.COMPLETE) {
            if (server.sessionCount() >= server.settings().maxSessions()) {
                r = new LoginNegotiator.Response(false, req.csg(), 0, LoginStatus.OUT_OF_RESOURCES, new byte[0],
                        LoginNegotiator.Outcome.FAIL, "session limit " + server.settings().maxSessions() + " reached");
            } else {
                tsih = startSession();
            }
        }
        OutboundPdu resp = new OutboundPdu(Opcode.LOGIN_RESPONSE, ByteBuffer.wrap(r.data()), OutboundPdu.StatSn.ADVANCE);
        byte[] h = resp.bhs();
        h[1] = (byte) ((r.transit() ? 0x80 : 0) | (r.csg() << 2) | r.nsg());
        h[2] = 0;  // version max
        h[3] = 0;  // version active
        System.arraycopy(req.bhs(), 8, h, 8, 6);  // ISID
        Bhs.put16(h, 14, tsih);
        Bhs.put32(h, 16, req.itt());
        h[36] = (byte) (r.status() >>> 8);
        h[37] = (byte) r.status();
        firstLoginResponse = false;
        if (r.outcome() == LoginNegotiator.Outcome.FAIL) {
            log.info("{}: login refused (status 0x{}): {}", peer, String.format("%04x", r.status()), r.failureReason());
            server.metrics().loginFailure();
            resp.afterSend(() -> close("login failed"));
            writer.send(resp);
            return;
        }
        writer.send(resp);
        if (r.outcome() == LoginNegotiator.Outcome.COMPLETE) {
            OperationalParameters p = login.parameters();
            writer.enableDigests(p.headerDigest(), p.dataDigest());
            framer.configure(p.headerDigest(), p.dataDigest(), p.targetMaxRecvDataSegmentLength());
        }
    }

    private int startSession() {
        ExportedTarget target = login.target();
        Nexus nexus = target == null ? null
                : new Nexus(login.initiatorName(), login.isidHex(), target.iqn(), IscsiServer.TPGT);
        var window = new CommandWindow<InboundPdu>(login.loginCmdSn(), server.settings().queueDepth());
        String key = Session.key(login.initiatorName(), login.isidHex(), target);
        Session s = new Session(server.nextTsih(), key, login.sessionType(), target, nexus, login.initiatorName(),
                login.parameters(), window, this);
        Session old = server.register(s);
        if (old != null) {
            // session reinstatement: the initiator lost the old connection (network blip, failover)
            log.info("{}: reinstating session of {} (TSIH {} replaces {})", peer, login.initiatorName(), s.tsih, old.tsih);
            old.connection.close("session reinstated");
            old.connection.awaitTasks(java.time.Duration.ofSeconds(10));
        }
        writer.sequenceSource(window::expCmdSn, window::maxCmdSn);
        session = s;
        if (nexus != null) {
            target.scsi().setTaskAborter(server::abortTasksOf);
            target.scsi().nexusAdded(nexus);
        }
        log.info("{}: {} session {} for {}{}", peer, s.type == LoginNegotiator.SessionType.DISCOVERY ? "discovery" : "normal",
                s.tsih, s.initiatorName, target == null ? "" : " on " + target.iqn());
        return s.tsih;
    }

    // ---------------------------------------------------------------- full feature phase

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
        switch (pdu) {
            case InboundPdu.ScsiCommand c -> scsiCommand(c, windowed);
            case InboundPdu.TaskMgmt t -> {
                taskManagement(t);
                if (windowed) session.window.completed();
            }
            case InboundPdu.Text t -> {
                text(t);
                if (windowed) session.window.completed();
            }
            case InboundPdu.Logout l -> logout(l, windowed);
            case InboundPdu.NopOut n -> {
                nopOut(n);
                if (windowed) session.window.completed();
            }
            default -> throw new IllegalStateException("not an ordered PDU: " + pdu);
        }
    }

    private void scsiCommand(InboundPdu.ScsiCommand c, boolean windowed) {
        Session s = session;
        if (s.type != LoginNegotiator.SessionType.NORMAL) {
            sendReject(c.bhs(), RejectReason.PROTOCOL_ERROR);  // no SCSI in a discovery session
            if (windowed) s.window.completed();
            return;
        }
        if (s.tasks.containsKey(c.itt())) {
            sendReject(c.bhs(), RejectReason.TASK_IN_PROGRESS);
            if (windowed) s.window.completed();
            return;
        }
        if (c.read() && c.write()) {
            respondDirect(c, ScsiResponse.checkCondition(Sense.INVALID_FIELD_IN_CDB), windowed);
            return;
        }
        int edtl = c.expectedLength();
        int max = server.settings().maxCommandBytes();
        if (edtl > max) {
            // larger than the Block Limits VPD allows: refuse before holding any of its data
            respondDirect(c, ScsiResponse.checkCondition(Sense.INVALID_FIELD_IN_CDB), windowed);
            return;
        }
        ByteBuffer dataOut = null;
        if (c.write() && edtl > 0) {
            if (!budget.tryAcquire(edtl)) {
                respondDirect(c, ScsiResponse.status(ScsiResponse.TASK_SET_FULL), windowed);
                return;
            }
            // a write whose immediate data is all of it (the common small write) needs no second buffer
            dataOut = c.immediateData().length == edtl ? ByteBuffer.wrap(c.immediateData()) : ByteBuffer.allocate(edtl);
        }
        ScsiTask task = new ScsiTask(c, dataOut, dataOut == null ? 0 : edtl, windowed);
        s.tasks.put(c.itt(), task);
        if (dataOut != null) {
            byte[] imm = c.immediateData();
            if (imm.length > 0) {
                if (dataOut.array() != imm) dataOut.put(0, imm);
                task.received = imm.length;
            }
            task.unsolicitedNextOffset = imm.length;
            int firstBurst = s.params.firstBurstLength();
            task.unsolicitedLimit = c.fin() || s.params.initialR2T() ? imm.length : Math.min(firstBurst, edtl);
            task.unsolicitedLimit = Math.max(task.unsolicitedLimit, imm.length);
            task.nextR2tOffset = task.unsolicitedLimit;
            issueR2ts(task);
        }
        if (task.allDataReceived()) startExecution(task);
    }

    private void issueR2ts(ScsiTask task) {
        OperationalParameters p = session.params;
        int edtl = task.command.expectedLength();
        while (task.outstandingR2t < p.maxOutstandingR2T() && task.nextR2tOffset < edtl) {
            int len = Math.min(p.maxBurstLength(), edtl - task.nextR2tOffset);
            OutboundPdu r2t = new OutboundPdu(Opcode.R2T, null, OutboundPdu.StatSn.PEEK);
            byte[] h = r2t.bhs();
            h[1] = (byte) 0x80;
            Bhs.putLun(h, 8, task.command.lun());
            Bhs.put32(h, 16, task.itt());
            int ttt = nextTtt();
            task.bursts.put(ttt, new ScsiTask.Burst(task.nextR2tOffset, len));
            Bhs.put32(h, 20, ttt);
            Bhs.put32(h, 36, task.r2tSn++);
            Bhs.put32(h, 40, task.nextR2tOffset);
            Bhs.put32(h, 44, len);
            task.nextR2tOffset += len;
            task.outstandingR2t++;
            writer.send(r2t);
        }
    }

    private int nextTtt() {
        int t = nextTtt.getAndIncrement();
        if (t == Opcode.NO_TAG) t = nextTtt.getAndIncrement();
        return t;
    }

    private void dataOut(InboundPdu.DataOut d) {
        ScsiTask task = session.tasks.get(d.itt());
        if (task == null || task.executing || task.dataOut == null) {
            // data for an aborted or refused command: drop it, the initiator learns from the status
            return;
        }
        int off = d.bufferOffset();
        int len = d.data().length;
        String violation = dataOutViolation(task, d, off, len);
        if (violation != null) {
            // ErrorRecoveryLevel 0 cannot repair a data sequence; failing just this command keeps the
            // session (and every other command in it) alive, and its remaining Data-Out is dropped
            log.info("{}: Data-Out for ITT 0x{}: {}; failing the command", peer, Integer.toHexString(d.itt()), violation);
            Session s = session;
            if (task.settle() && s.tasks.remove(task.itt(), task)) {
                task.releaseResources(budget, s.window);
                respondDirect(task.command, ScsiResponse.checkCondition(Sense.DATA_PHASE_ERROR), false);
                task.finished.complete(null);
            }
            return;
        }
        task.dataOut.put(off, d.data());
        task.received += len;
        if (d.ttt() != Opcode.NO_TAG && d.fin()) {
            task.bursts.remove(d.ttt());
            task.outstandingR2t--;
            issueR2ts(task);
        }
        if (task.allDataReceived()) startExecution(task);
    }

    /** Checks a Data-Out against the sequence it belongs to; returns what is wrong, or null. */
    private static String dataOutViolation(ScsiTask task, InboundPdu.DataOut d, int off, int len) {
        if (d.ttt() == Opcode.NO_TAG) {
            if (d.dataSn() != task.unsolicitedDataSn) return "unsolicited DataSN " + d.dataSn() + ", expected " + task.unsolicitedDataSn;
            if (off != task.unsolicitedNextOffset) return "unsolicited offset " + off + ", expected " + task.unsolicitedNextOffset;
            if (len > task.unsolicitedLimit - off) return "unsolicited data beyond FirstBurstLength";
            task.unsolicitedDataSn++;
            task.unsolicitedNextOffset += len;
            return null;
        }
        ScsiTask.Burst b = task.bursts.get(d.ttt());
        if (b == null) return "TTT 0x" + Integer.toHexString(d.ttt()) + " matches no outstanding R2T";
        if (d.dataSn() != b.nextDataSn) return "DataSN " + d.dataSn() + ", expected " + b.nextDataSn;
        if (off != b.nextOffset) return "offset " + off + ", expected " + b.nextOffset;
        if (len > b.offset + b.length - off) return "more data than the R2T asked for";
        b.nextDataSn++;
        b.nextOffset += len;
        if (d.fin() && b.nextOffset != b.offset + b.length) return "burst ended short of the R2T's length";
        return null;
    }

    private void startExecution(ScsiTask task) {
        task.executing = true;
        if (session.tasks.size() == 1 && !task.command.write()) {
            // the only command in flight (a booting client at queue depth 1): run it here, on the reader,
            // and save the hand-off to a new thread, which costs as much as a cached 4 KiB read
            runTask(task);
            return;
        }
        Thread.ofVirtual().name("scsi-", task.itt()).start(() -> runTask(task));
    }

    private void runTask(ScsiTask task) {
        Session s = session;
        InboundPdu.ScsiCommand c = task.command;
        int readBudget = 0;
        if (task.aborted) {  // aborted between its last Data-Out and its start: never touch the medium
            finish(task, null, 0);
            return;
        }
        try {
            if (c.read() && c.expectedLength() > 0) {
                readBudget = c.expectedLength();
                budget.acquireUninterruptibly(readBudget);
            }
            ByteBuffer dataOut = task.dataOut;
            if (dataOut != null) dataOut.limit(Math.min(task.received, c.expectedLength())).position(0);
            ScsiRequest req = new ScsiRequest(s.nexus, c.lun(), c.cdb(), c.expectedLength(), dataOut, c.itt(),
                    TaskAttribute.fromIscsi(c.attribute()));
            ScsiResponse r;
            try {
                r = s.target.scsi().execute(req);
            } catch (RuntimeException e) {
                log.error("{}: SCSI layer failed on opcode 0x{}", peer, Integer.toHexString(req.opcode()), e);
                r = ScsiResponse.checkCondition(Sense.INTERNAL_TARGET_FAILURE);
            }
            int sent = r.dataIn() == null ? 0 : Math.min(r.dataIn().remaining(), c.expectedLength());
            server.metrics().command(c.cdb()[0] & 0xFF, System.nanoTime() - task.startNanos,
                    c.read() ? sent : 0, c.write() ? task.received : 0);
            finish(task, r, readBudget);
        } catch (RuntimeException e) {
            log.error("{}: task failed", peer, e);
            finish(task, null, readBudget);
        }
    }

    private void finish(ScsiTask task, ScsiResponse r, int readBudget) {
        Session s = session;
        boolean mine = task.settle();
        s.tasks.remove(task.itt(), task);
        if (r == null || !mine) {
            task.releaseResources(budget, s.window);
            budget.release(readBudget);
            task.finished.complete(null);
            return;
        }
        // the window slot frees before the response leaves, so the response already carries the wider window
        if (task.windowed) task.releaseWindowOnly(s.window);
        List<OutboundPdu> pdus = ResponseBuilder.build(task.command, r, s.params.initiatorMaxRecvDataSegmentLength(),
                s.params.maxBurstLength());
        OutboundPdu last = pdus.get(pdus.size() - 1);
        last.afterSend(() -> {
            task.releaseResources(budget, s.window);
            budget.release(readBudget);
        });
        for (OutboundPdu p : pdus) writer.send(p);
        task.finished.complete(null);
    }

    /** A command refused before it became a task: answer and free its window slot. */
    private void respondDirect(InboundPdu.ScsiCommand c, ScsiResponse r, boolean windowed) {
        if (windowed) session.window.completed();
        for (OutboundPdu p : ResponseBuilder.build(c, r, session.params.initiatorMaxRecvDataSegmentLength(),
                session.params.maxBurstLength())) {
            writer.send(p);
        }
    }

    private void nopOut(InboundPdu.NopOut n) {
        Session s = session;
        ByteBuffer echo = n.data().length == 0 ? null
                : ByteBuffer.wrap(n.data(), 0, Math.min(n.data().length, s.params.initiatorMaxRecvDataSegmentLength()));
        OutboundPdu in = new OutboundPdu(Opcode.NOP_IN, echo, OutboundPdu.StatSn.ADVANCE);
        byte[] h = in.bhs();
        h[1] = (byte) 0x80;
        Bhs.putLun(h, 8, n.lun());
        Bhs.put32(h, 16, n.itt());
        Bhs.put32(h, 20, Opcode.NO_TAG);
        writer.send(in);
    }

    private void text(InboundPdu.Text t) {
        Session s = session;
        StringBuilder sb = new StringBuilder();
        List<String> items = new ArrayList<>();
        try {
            SequencedMap<String, String> keys = TextParameters.parse(t.data());
            for (var e : keys.entrySet()) {
                if (e.getKey().equals("SendTargets")) {
                    items.addAll(sendTargets(e.getValue()));
                } else {
                    items.add(e.getKey() + "=NotUnderstood");
                }
            }
        } catch (TextParameters.MalformedTextException e) {
            sendReject(t.bhs(), RejectReason.PROTOCOL_ERROR);
            return;
        }
        for (String i : items) sb.append(i).append('\0');
        byte[] data = sb.toString().getBytes(StandardCharsets.UTF_8);
        int max = s.params.initiatorMaxRecvDataSegmentLength();
        if (data.length > max) {
            // only whole key=value items fit; a site with more targets than fit needs continuation
            int cut = max;
            while (cut > 0 && data[cut - 1] != 0) cut--;
            data = java.util.Arrays.copyOf(data, cut);
        }
        OutboundPdu resp = new OutboundPdu(Opcode.TEXT_RESPONSE, ByteBuffer.wrap(data), OutboundPdu.StatSn.ADVANCE);
        byte[] h = resp.bhs();
        h[1] = (byte) 0x80;
        System.arraycopy(t.bhs(), 8, h, 8, 8);
        Bhs.put32(h, 16, t.itt());
        Bhs.put32(h, 20, Opcode.NO_TAG);
        writer.send(resp);
    }

    private List<String> sendTargets(String which) {
        Session s = session;
        List<String> out = new ArrayList<>();
        String address = portalAddress();
        for (ExportedTarget t : server.registry().all()) {
            boolean wanted = which.equals("All") ? s.type == LoginNegotiator.SessionType.DISCOVERY || t == s.target
                    : which.isEmpty() ? t == s.target || (s.target != null && t.iqn().equals(s.target.iqn()))
                    : t.iqn().equals(which);
            if (!wanted || !t.admits(s.initiatorName)) continue;
            out.add("TargetName=" + t.iqn());
            out.add("TargetAddress=" + address + "," + IscsiServer.TPGT);
        }
        return out;
    }

    private String portalAddress() {
        try {
            InetSocketAddress a = (InetSocketAddress) channel.getLocalAddress();
            String host = a.getAddress().getHostAddress();
            if (host.contains(":")) host = "[" + host + "]";
            return host + ":" + a.getPort();
        } catch (IOException e) {
            return "0.0.0.0:3260";
        }
    }

    private void logout(InboundPdu.Logout l, boolean windowed) {
        if (windowed) session.window.completed();
        // answer only after commands already received have finished, then close
        Thread.ofVirtual().name("iscsi-logout").start(() -> {
            awaitTasks(java.time.Duration.ofSeconds(30));
            OutboundPdu resp = new OutboundPdu(Opcode.LOGOUT_RESPONSE, null, OutboundPdu.StatSn.ADVANCE);
            byte[] h = resp.bhs();
            h[1] = (byte) 0x80;
            h[2] = (byte) (l.reason() == 0 || l.reason() == 1 ? 0 : 2);  // 2: recovery not supported
            Bhs.put32(h, 16, l.itt());
            resp.afterSend(() -> close("logout"));
            writer.send(resp);
        });
    }

    // ---------------------------------------------------------------- task management

    private void taskManagement(InboundPdu.TaskMgmt t) {
        Session s = session;
        int response;
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        boolean lunExists = s.target != null && s.target.scsi().luns().contains(t.lun());
        switch (t.function()) {
            case 1 -> {  // ABORT TASK
                ScsiTask task = s.tasks.get(t.referencedTag());
                CompletableFuture<Void> aborted = task == null ? null : abort(s, task);
                if (aborted != null) {
                    waits.add(aborted);
                    response = 0;
                } else {
                    // RFC 7143 §11.5.1: a RefCmdSN still inside the window was never received, so the
                    // task is as good as aborted; one below ExpCmdSN completed already: it does not exist
                    long ahead = Integer.toUnsignedLong(t.refCmdSn() - s.window.expCmdSn());
                    long window = Integer.toUnsignedLong(s.window.maxCmdSn() - s.window.expCmdSn());
                    response = ahead <= window && t.refCmdSn() != t.cmdSn() ? 0 : 1;
                }
            }
            case 2, 4 -> {  // ABORT TASK SET, CLEAR TASK SET
                if (!lunExists) {
                    response = 2;
                } else {
                    waits.addAll(abortWhere(s, task -> task.command.lun() == t.lun()));
                    response = 0;
                }
            }
            case 5 -> {  // LOGICAL UNIT RESET: every session's tasks on that LUN
                if (!lunExists) {
                    response = 2;
                } else {
                    for (Session other : server.sessionsOf(s.target)) {
                        waits.addAll(other.connection.abortWhere(other, task -> task.command.lun() == t.lun()));
                    }
                    s.target.scsi().lunReset(t.lun(), s.nexus);
                    response = 0;
                }
            }
            case 6, 7 -> {  // TARGET WARM / COLD RESET
                for (Session other : server.sessionsOf(s.target)) {
                    waits.addAll(other.connection.abortWhere(other, task -> true));
                }
                s.target.scsi().targetReset(s.nexus);
                response = 0;
            }
            case 3 -> response = 5;   // CLEAR ACA: ACA is not supported (NACA=0)
            case 8 -> response = 4;   // TASK REASSIGN: needs ErrorRecoveryLevel 2
            default -> response = 255;
        }
        int resp = response;
        boolean cold = t.function() == 7;
        Runnable send = () -> {
            OutboundPdu p = new OutboundPdu(Opcode.TASK_MGMT_RESPONSE, null, OutboundPdu.StatSn.ADVANCE);
            byte[] h = p.bhs();
            h[1] = (byte) 0x80;
            h[2] = (byte) resp;
            Bhs.put32(h, 16, t.itt());
            if (cold) p.afterSend(() -> close("target cold reset"));
            writer.send(p);
        };
        if (waits.isEmpty()) {
            send.run();
        } else {
            // answer only once the aborted commands no longer touch the medium
            CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
                    .orTimeout(30, TimeUnit.SECONDS)
                    .whenComplete((v, e) -> send.run());
        }
    }

    /** Aborts the matching tasks of this connection's session; futures complete when each has stopped. */
    List<CompletableFuture<Void>> abortWhere(Session s, Predicate<ScsiTask> which) {
        List<CompletableFuture<Void>> out = new ArrayList<>();
        for (ScsiTask task : s.tasks.values()) {
            if (which.test(task)) {
                CompletableFuture<Void> f = abort(s, task);
                if (f != null) out.add(f);
            }
        }
        return out;
    }

    /** Aborts a task unless it already completed (then null: its response is on its way). */
    private CompletableFuture<Void> abort(Session s, ScsiTask task) {
        if (!task.settle()) return null;
        task.aborted = true;
        if (!task.executing && s.tasks.remove(task.itt(), task)) {
            // never started: nothing touches the medium; free its slot and buffer now
            task.releaseResources(budget, s.window);
            task.finished.complete(null);
        }
        return task.finished;
    }

    // ---------------------------------------------------------------- rejects, pings, closing

    private void sendReject(byte[] rejectedBhs, int reason) {
        server.metrics().reject();
        OutboundPdu p = new OutboundPdu(Opcode.REJECT, ByteBuffer.wrap(rejectedBhs.clone()), OutboundPdu.StatSn.ADVANCE);
        byte[] h = p.bhs();
        h[1] = (byte) 0x80;
        h[2] = (byte) reason;
        Bhs.put32(h, 16, Opcode.NO_TAG);
        writer.send(p);
    }

    /** Called about once a second by the server: login timeout, idle pings, dead peers. */
    void tick(long now) {
        if (closed.get()) return;
        IscsiSettings cfg = server.settings();
        if (session == null) {
            if (now - createdNanos > cfg.loginTimeout().toNanos()) close("login timeout");
            return;
        }
        long sent = pingSentNanos;
        if (sent != 0) {
            if (now - sent > cfg.nopTimeout().toNanos()) close("no answer to NOP-In ping");
            return;
        }
        if (now - lastReceiveNanos > cfg.nopInterval().toNanos()) {
            pingSentNanos = now;
            OutboundPdu ping = new OutboundPdu(Opcode.NOP_IN, null, OutboundPdu.StatSn.PEEK);
            byte[] h = ping.bhs();
            h[1] = (byte) 0x80;
            Bhs.put32(h, 16, Opcode.NO_TAG);
            Bhs.put32(h, 20, nextTtt());
            writer.send(ping);
        }
    }

    void awaitTasks(java.time.Duration timeout) {
        Session s = session;
        if (s == null) return;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ScsiTask t : s.tasks.values()) {
            if (!t.executing) continue;
            try {
                t.finished.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                log.warn("{}: task 0x{} still running after {}", peer, Integer.toHexString(t.itt()), timeout);
            }
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
            for (ScsiTask t : s.tasks.values()) abort(s, t);
            server.unregister(s);
            if (s.nexus != null) s.target.scsi().nexusRemoved(s.nexus);
        }
        server.connectionClosed(this);
    }

    boolean isClosed() {
        return closed.get();
    }
}
