package org.icbd.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import org.junit.jupiter.api.Test;

class LoginNegotiatorTest {

    static final String IQN = "iqn.2026-11.org.icbd:t1";
    static final String INIT = "iqn.2026-11.org.example:client";
    static final ExportedTarget.Credentials CHAP = new ExportedTarget.Credentials("alice", "secret-secret1");
    static final ExportedTarget.Credentials MUTUAL = new ExportedTarget.Credentials("target", "target-secret1");

    static TargetRegistry registry(ExportedTarget... targets) {
        return new TargetRegistry() {
            @Override
            public Optional<ExportedTarget> find(String iqn) {
                return List.of(targets).stream().filter(t -> t.iqn().equals(iqn)).findFirst();
            }

            @Override
            public List<ExportedTarget> all() {
                return List.of(targets);
            }
        };
    }

    static ExportedTarget target(Optional<ExportedTarget.Credentials> chap, Optional<ExportedTarget.Credentials> mutual,
                                 List<String> acl) {
        return new ExportedTarget(IQN, "", null, chap, mutual, acl);
    }

    static InboundPdu.Login login(int csg, int nsg, boolean transit, Map<String, String> keys) {
        byte[] bhs = new byte[Bhs.LENGTH];
        return new InboundPdu.Login(bhs, transit, false, csg, nsg, 0, 0, new byte[] {0x40, 0, 0, 1, 0, 0}, 0, 1, 0, 7, 0,
                TextParameters.encode(keys));
    }

    static SequencedMap<String, String> keys(String... kv) {
        SequencedMap<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    static SequencedMap<String, String> reply(LoginNegotiator.Response r) throws Exception {
        return TextParameters.parse(r.data());
    }

    private static LoginNegotiator negotiator(ExportedTarget t) {
        return new LoginNegotiator(IscsiSettings.defaults(), registry(t), 1);
    }

    @Test
    void openTargetLogsInWithoutAuthentication() throws Exception {
        LoginNegotiator n = negotiator(target(Optional.empty(), Optional.empty(), List.of()));
        var r = n.handle(login(0, 1, true, keys("InitiatorName", INIT, "TargetName", IQN, "AuthMethod", "None")));
        assertEquals(LoginNegotiator.Outcome.CONTINUE, r.outcome());
        assertTrue(r.transit());
        assertEquals("None", reply(r).get("AuthMethod"));
        assertEquals("1", reply(r).get("TargetPortalGroupTag"));
        r = n.handle(login(1, 3, true, keys("MaxRecvDataSegmentLength", "65536", "ImmediateData", "Yes",
                "InitialR2T", "No", "MaxBurstLength", "16776192", "FirstBurstLength", "262144", "HeaderDigest", "CRC32C,None")));
        assertEquals(LoginNegotiator.Outcome.COMPLETE, r.outcome());
        var p = n.parameters();
        assertEquals(65536, p.initiatorMaxRecvDataSegmentLength());
        assertEquals(IscsiSettings.defaults().maxBurstLength(), p.maxBurstLength());
        assertTrue(p.headerDigest());
        assertFalse(p.initialR2T());
        assertEquals(Integer.toString(IscsiSettings.defaults().maxRecvDataSegmentLength()),
                reply(r).get("MaxRecvDataSegmentLength"));
    }

    @Test
    void missingInitiatorNameIsMissingParameter() {
        var r = negotiator(target(Optional.empty(), Optional.empty(), List.of()))
                .handle(login(0, 1, true, keys("TargetName", IQN)));
        assertEquals(LoginStatus.MISSING_PARAMETER, r.status());
    }

    @Test
    void unknownTargetIsNotFound() {
        var r = negotiator(target(Optional.empty(), Optional.empty(), List.of()))
                .handle(login(0, 1, true, keys("InitiatorName", INIT, "TargetName", "iqn.2026-11.org.icbd:nope")));
        assertEquals(LoginStatus.NOT_FOUND, r.status());
        assertEquals(LoginNegotiator.Outcome.FAIL, r.outcome());
    }

    @Test
    void aHeldTargetRefusesLoginsAsServiceUnavailableAndSaysWhy() {
        ExportedTarget t = target(Optional.empty(), Optional.empty(), List.of());
        TargetRegistry base = registry(t);
        TargetRegistry held = new TargetRegistry() {
            @Override
            public Optional<ExportedTarget> find(String iqn) {
                return base.find(iqn);
            }

            @Override
            public List<ExportedTarget> all() {
                return base.all();
            }

            @Override
            public Optional<String> unavailable(ExportedTarget target) {
                return Optional.of("held after failover");
            }
        };
        var r = new LoginNegotiator(IscsiSettings.defaults(), held, 1)
                .handle(login(0, 1, true, keys("InitiatorName", INIT, "TargetName", IQN, "AuthMethod", "None")));
        assertEquals(LoginStatus.SERVICE_UNAVAILABLE, r.status());
        assertEquals(LoginNegotiator.Outcome.FAIL, r.outcome());
        assertTrue(r.failureReason().contains("held after failover"), r.failureReason());
    }

    @Test
    void initiatorOutsideAclIsNotAuthorized() {
        var r = negotiator(target(Optional.empty(), Optional.empty(), List.of("iqn.2026-11.org.example:other")))
                .handle(login(0, 1, true, keys("InitiatorName", INIT, "TargetName", IQN)));
        assertEquals(LoginStatus.AUTHORIZATION_FAILURE, r.status());
    }

    @Test
    void chapRequiredCannotBeSkipped() {
        var r = negotiator(target(Optional.of(CHAP), Optional.empty(), List.of()))
                .handle(login(1, 3, true, keys("InitiatorName", INIT, "TargetName", IQN)));
        assertEquals(LoginStatus.AUTHENTICATION_FAILURE, r.status());
    }

    @Test
    void chapRequiredRefusesNoneOnly() {
        var r = negotiator(target(Optional.of(CHAP), Optional.empty(), List.of()))
                .handle(login(0, 1, true, keys("InitiatorName", INIT, "TargetName", IQN, "AuthMethod", "None")));
        assertEquals(LoginStatus.AUTHENTICATION_FAILURE, r.status());
    }

    @Test
    void chapWithRightSecretSucceedsAndWrongSecretFails() throws Exception {
        for (String secret : List.of(CHAP.secret(), "wrong-secret-xx")) {
            LoginNegotiator n = negotiator(target(Optional.of(CHAP), Optional.empty(), List.of()));
            var r = n.handle(login(0, 1, true, keys("InitiatorName", INIT, "TargetName", IQN, "AuthMethod", "CHAP,None")));
            assertFalse(r.transit(), "no transit before authentication");
            assertEquals("CHAP", reply(r).get("AuthMethod"));
            r = n.handle(login(0, 1, true, keys("CHAP_A", "7,5")));
            var challenge = reply(r);
            assertEquals("5", challenge.get("CHAP_A"));
            int id = Integer.parseInt(challenge.get("CHAP_I"));
            byte[] c = HexFormat.of().parseHex(challenge.get("CHAP_C").substring(2));
            byte[] resp = ChapAuthenticator.md5(id, secret, c);
            r = n.handle(login(0, 1, true, keys("CHAP_N", "alice", "CHAP_R", "0x" + HexFormat.of().formatHex(resp))));
            if (secret.equals(CHAP.secret())) {
                assertEquals(LoginStatus.SUCCESS, r.status());
                assertTrue(r.transit());
            } else {
                assertEquals(LoginStatus.AUTHENTICATION_FAILURE, r.status());
            }
        }
    }

    @Test
    void mutualChapAnswersInitiatorChallengeAndRefusesReflection() throws Exception {
        LoginNegotiator n = negotiator(target(Optional.of(CHAP), Optional.of(MUTUAL), List.of()));
        n.handle(login(0, 1, false, keys("InitiatorName", INIT, "TargetName", IQN, "AuthMethod", "CHAP")));
        var challenge = reply(n.handle(login(0, 1, false, keys("CHAP_A", "5"))));
        int id = Integer.parseInt(challenge.get("CHAP_I"));
        String cHex = challenge.get("CHAP_C");
        byte[] c = HexFormat.of().parseHex(cHex.substring(2));
        String r = "0x" + HexFormat.of().formatHex(ChapAuthenticator.md5(id, CHAP.secret(), c));
        byte[] mine = new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        var resp = n.handle(login(0, 1, true, keys("CHAP_N", "alice", "CHAP_R", r, "CHAP_I", "9",
                "CHAP_C", "0x" + HexFormat.of().formatHex(mine))));
        assertEquals(LoginStatus.SUCCESS, resp.status());
        var back = reply(resp);
        assertEquals("target", back.get("CHAP_N"));
        assertEquals("0x" + HexFormat.of().formatHex(ChapAuthenticator.md5(9, MUTUAL.secret(), mine)), back.get("CHAP_R"));

        LoginNegotiator n2 = negotiator(target(Optional.of(CHAP), Optional.of(MUTUAL), List.of()));
        n2.handle(login(0, 1, false, keys("InitiatorName", INIT, "TargetName", IQN, "AuthMethod", "CHAP")));
        var ch2 = reply(n2.handle(login(0, 1, false, keys("CHAP_A", "5"))));
        byte[] c2 = HexFormat.of().parseHex(ch2.get("CHAP_C").substring(2));
        String r2 = "0x" + HexFormat.of().formatHex(ChapAuthenticator.md5(Integer.parseInt(ch2.get("CHAP_I")), CHAP.secret(), c2));
        var refl = n2.handle(login(0, 1, true, keys("CHAP_N", "alice", "CHAP_R", r2, "CHAP_I", "3", "CHAP_C", ch2.get("CHAP_C"))));
        assertEquals(LoginStatus.AUTHENTICATION_FAILURE, refl.status());
    }

    @Test
    void discoveryNeedsNoTargetName() {
        LoginNegotiator n = negotiator(target(Optional.of(CHAP), Optional.empty(), List.of()));
        var r = n.handle(login(0, 3, true, keys("InitiatorName", INIT, "SessionType", "Discovery", "AuthMethod", "None")));
        assertEquals(LoginNegotiator.Outcome.COMPLETE, r.outcome());
        assertEquals(LoginNegotiator.SessionType.DISCOVERY, n.sessionType());
    }

    @Test
    void keysFollowTheirRules() throws Exception {
        KeyNegotiator k = new KeyNegotiator(IscsiSettings.defaults());
        Map<String, String> reply = new LinkedHashMap<>();
        k.negotiate(keys("InitialR2T", "Yes", "ImmediateData", "No", "MaxOutstandingR2T", "0", "ErrorRecoveryLevel", "2",
                "MaxConnections", "8", "X-com.example.Foo", "1", "DefaultTime2Wait", "1", "FirstBurstLength", "1048576",
                "DataDigest", "Adler32"), reply, true);
        assertEquals("Yes", reply.get("InitialR2T"));           // OR
        assertEquals("No", reply.get("ImmediateData"));         // AND
        assertEquals("Reject", reply.get("MaxOutstandingR2T")); // out of range 1..65535
        assertEquals("0", reply.get("ErrorRecoveryLevel"));     // min with ours
        assertEquals("1", reply.get("MaxConnections"));
        assertEquals("NotUnderstood", reply.get("X-com.example.Foo"));
        assertEquals("2", reply.get("DefaultTime2Wait"));       // max
        assertEquals(Integer.toString(IscsiSettings.defaults().firstBurstLength()), reply.get("FirstBurstLength"));
        assertEquals("Reject", reply.get("DataDigest"));
        assertTrue(reply.containsKey("MaxRecvDataSegmentLength"));
        assertTrue(k.result().initialR2T());
        assertFalse(k.result().immediateData());
    }
}
