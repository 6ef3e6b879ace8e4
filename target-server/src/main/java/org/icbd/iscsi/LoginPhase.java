package org.icbd.iscsi;

import java.time.Duration;
import java.util.function.Consumer;
import org.icbd.scsi.Nexus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection until its login completes: negotiates (through {@link LoginNegotiator}), enforces
 * {@code max-sessions} over the whole node, starts the session (reinstating one the same initiator,
 * ISID and target held before), and switches the writer and framer to what was negotiated.
 */
final class LoginPhase {

    private static final Logger log = LoggerFactory.getLogger(LoginPhase.class);

    private final SessionRegistry sessions;
    private final Connection connection;
    private final PduWriter writer;
    private final PduFramer framer;
    private final LoginNegotiator login;
    private final Consumer<Session> onStart;
    private boolean firstResponse = true;

    /** @param onStart told of the session as it starts, before the login response leaves */
    LoginPhase(SessionRegistry sessions, Connection connection, PduWriter writer, PduFramer framer,
               Consumer<Session> onStart) {
        this.sessions = sessions;
        this.onStart = onStart;
        this.connection = connection;
        this.writer = writer;
        this.framer = framer;
        this.login = new LoginNegotiator(sessions.settings(), sessions.targets(), IscsiServer.TPGT);
    }

    /** Handles one PDU of the login phase. */
    void handle(RawPdu raw) {
        String peer = connection.peer();
        if (raw.opcode() != Opcode.LOGIN_REQUEST) {
            log.info("{}: opcode 0x{} before login completed; closing", peer, Integer.toHexString(raw.opcode()));
            connection.close("PDU before login");
            return;
        }
        InboundPdu.Login req;
        try {
            req = (InboundPdu.Login) PduParser.parse(raw);
        } catch (PduParser.MalformedPduException e) {
            connection.close("malformed login");
            return;
        }
        IscsiSettings settings = sessions.settings();
        if (firstResponse) {
            writer.initialStatSn(req.expStatSn());
            writer.sequenceSource(login::loginCmdSn, () -> login.loginCmdSn() + settings.queueDepth() - 1);
            firstResponse = false;
        }
        LoginNegotiator.Response r = login.handle(req);
        Session started = null;
        if (r.outcome() == LoginNegotiator.Outcome.COMPLETE) {
            if (sessions.sessionCount() >= settings.maxSessions()) {
                r = new LoginNegotiator.Response(false, req.csg(), 0, LoginStatus.OUT_OF_RESOURCES, new byte[0],
                        LoginNegotiator.Outcome.FAIL, "session limit " + settings.maxSessions() + " reached");
            } else {
                started = start();
            }
        }
        OutboundPdu resp = Responses.login(req, r, started == null ? 0 : started.tsih);
        if (r.outcome() == LoginNegotiator.Outcome.FAIL) {
            log.info("{}: login refused (status 0x{}): {}", peer, String.format("%04x", r.status()), r.failureReason());
            sessions.metrics().loginFailure();
            resp.afterSend(() -> connection.close("login failed"));
            writer.send(resp);
            return;
        }
        writer.send(resp);
        if (started != null) {
            OperationalParameters p = login.parameters();
            writer.enableDigests(p.headerDigest(), p.dataDigest());
            framer.configure(p.headerDigest(), p.dataDigest(), p.targetMaxRecvDataSegmentLength());
        }
    }

    private Session start() {
        ExportedTarget target = login.target();
        Nexus nexus = target == null ? null
                : new Nexus(login.initiatorName(), login.isidHex(), target.iqn(), IscsiServer.TPGT);
        var window = new CommandWindow<InboundPdu>(login.loginCmdSn(), sessions.settings().queueDepth());
        String key = Session.key(login.initiatorName(), login.isidHex(), target);
        Session s = new Session(sessions.nextTsih(), key, login.sessionType(), target, nexus, login.initiatorName(),
                login.parameters(), window, sessions.budget().newShare(), connection);
        Session old = sessions.register(s);
        if (old != null) {
            // session reinstatement: the initiator lost the old connection (network blip, failover)
            log.info("{}: reinstating session of {} (TSIH {} replaces {})", connection.peer(), login.initiatorName(),
                    s.tsih, old.tsih);
            old.connection.close("session reinstated");
            old.connection.awaitTasks(Duration.ofSeconds(10));
        }
        writer.sequenceSource(window::expCmdSn, window::maxCmdSn);
        onStart.accept(s);
        if (nexus != null) target.scsi().nexusAdded(nexus);
        log.info("{}: {} session {} for {}{}", connection.peer(), s.isDiscovery() ? "discovery" : "normal",
                s.tsih, s.initiatorName, target == null ? "" : " on " + target.iqn());
        return s;
    }
}
