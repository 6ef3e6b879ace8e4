package org.icbd.iscsi;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Property tests that throw random and mutated PDUs at the framer, the parser and the login
 * state machine: whatever arrives, the only outcomes are a record, a FramingException or a
 * MalformedPduException (both answered with Reject or a closed connection), never another
 * exception, and never an allocation beyond the negotiated segment limit.
 */
class PduFuzzTest {

    private static final int LIMIT = 8192;

    @Property(tries = 2000)
    void randomBytesNeverEscapeTheCodec(@ForAll @Size(max = 600) byte[] stream, @ForAll boolean hd, @ForAll boolean dd) {
        PduFramer f = new PduFramer(LIMIT);
        f.configure(hd, dd, LIMIT);
        ByteBuffer in = ByteBuffer.wrap(stream);
        try {
            RawPdu p;
            while ((p = f.next(in)) != null) {
                if (p.data().length > LIMIT) throw new AssertionError("allocated past the limit");
                parseQuietly(p);
            }
        } catch (FramingException expected) {
            // closes the connection
        }
    }

    @Property(tries = 3000)
    void mutatedValidPdusNeverEscapeTheCodec(@ForAll("validPdu") byte[] wire, @ForAll @Size(max = 8) List<@IntRange(max = 100000) Integer> flips,
                                             @ForAll byte value) {
        byte[] mutated = wire.clone();
        for (int pos : flips) mutated[pos % mutated.length] ^= value == 0 ? 1 : value;
        PduFramer f = new PduFramer(LIMIT);
        try {
            RawPdu p = f.next(ByteBuffer.wrap(mutated));
            if (p != null) parseQuietly(p);
        } catch (FramingException expected) {
            // closes the connection
        }
    }

    @Property(tries = 2000)
    void loginStateMachineAnswersAnything(@ForAll("loginSequence") List<InboundPdu.Login> logins) {
        ExportedTarget t = new ExportedTarget(LoginNegotiatorTest.IQN, "", null, Optional.of(LoginNegotiatorTest.CHAP),
                Optional.of(LoginNegotiatorTest.MUTUAL), List.of());
        LoginNegotiator n = new LoginNegotiator(IscsiSettings.defaults(), LoginNegotiatorTest.registry(t), 1);
        for (InboundPdu.Login l : logins) {
            LoginNegotiator.Response r = n.handle(l);
            if (r == null || r.data() == null) throw new AssertionError("no response");
            if (r.outcome() == LoginNegotiator.Outcome.COMPLETE && n.sessionType() == LoginNegotiator.SessionType.NORMAL) {
                throw new AssertionError("random input logged in to a CHAP-protected target: " + l);
            }
            if (r.outcome() == LoginNegotiator.Outcome.FAIL) return;
        }
    }

    private static void parseQuietly(RawPdu p) {
        try {
            PduParser.parse(p);
        } catch (PduParser.MalformedPduException expected) {
            // answered with a Reject
        }
    }

    @Provide
    Arbitrary<byte[]> validPdu() {
        Arbitrary<Integer> opcode = Arbitraries.of(Opcode.NOP_OUT, Opcode.SCSI_COMMAND, Opcode.TASK_MGMT_REQUEST,
                Opcode.LOGIN_REQUEST, Opcode.TEXT_REQUEST, Opcode.DATA_OUT, Opcode.LOGOUT_REQUEST, Opcode.SNACK_REQUEST, 0x1c);
        Arbitrary<byte[]> data = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<Integer> flags = Arbitraries.integers().between(0, 255);
        return Combinators.combine(opcode, data, flags).as((op, d, fl) -> new PduBytes(op).flags(fl).i32(20, d.length).data(d).wire());
    }

    @Provide
    Arbitrary<List<InboundPdu.Login>> loginSequence() {
        Arbitrary<String> key = Arbitraries.of("InitiatorName", "TargetName", "SessionType", "AuthMethod", "CHAP_A",
                "CHAP_N", "CHAP_R", "CHAP_I", "CHAP_C", "MaxRecvDataSegmentLength", "HeaderDigest", "MaxBurstLength",
                "FirstBurstLength", "X-junk", "ErrorRecoveryLevel");
        Arbitrary<String> value = Arbitraries.oneOf(Arbitraries.of(LoginNegotiatorTest.IQN, "Normal", "Discovery", "CHAP",
                "None", "5", "0x00", "0xzz", "0b", "-1", "99999999999", "", "alice", "CRC32C,None"),
                Arbitraries.strings().ofMaxLength(20));
        Arbitrary<Map<String, String>> keys = Arbitraries.maps(key, value).ofMaxSize(6).map(LinkedHashMap::new);
        Arbitrary<InboundPdu.Login> login = Combinators.combine(Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 3), Arbitraries.of(true, false), keys)
                .as((csg, nsg, t, k) -> LoginNegotiatorTest.login(csg, nsg, t, k));
        return login.list().ofMinSize(1).ofMaxSize(5);
    }
}
