package org.icbd.iscsi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * CHAP with MD5 (RFC 1994 as profiled by RFC 7143 §12.1.3), one-way or mutual. One instance
 * per login: it issues a fresh challenge, checks the initiator's response in constant time,
 * and for mutual CHAP answers the initiator's challenge (refusing a reflected challenge).
 */
public final class ChapAuthenticator {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int CHAP_MD5 = 5;

    private final ExportedTarget.Credentials expected;
    private final Optional<ExportedTarget.Credentials> mutual;
    private int identifier = -1;
    private byte[] challenge;

    public ChapAuthenticator(ExportedTarget.Credentials expected, Optional<ExportedTarget.Credentials> mutual) {
        this.expected = expected;
        this.mutual = mutual;
    }

    /** Outcome of one step. */
    public sealed interface Step permits Continue, Done, Failed {
    }

    public record Continue(Map<String, String> reply) implements Step {
    }

    public record Done(Map<String, String> reply) implements Step {
    }

    public record Failed(String reason) implements Step {
    }

    /** Handles the CHAP keys of one login request. */
    public Step step(SequencedMap<String, String> keys, Map<String, String> reply) {
        if (challenge == null) {
            String algorithms = keys.get("CHAP_A");
            if (algorithms == null) return new Failed("CHAP_A missing");
            boolean md5 = false;
            for (String a : algorithms.split(",")) md5 |= a.trim().equals(Integer.toString(CHAP_MD5));
            if (!md5) {
                reply.put("CHAP_A", "Reject");
                return new Failed("initiator offers no CHAP algorithm this target supports (MD5 = 5): " + algorithms);
            }
            identifier = RANDOM.nextInt(256);
            challenge = new byte[16];
            RANDOM.nextBytes(challenge);
            reply.put("CHAP_A", Integer.toString(CHAP_MD5));
            reply.put("CHAP_I", Integer.toString(identifier));
            reply.put("CHAP_C", "0x" + HexFormat.of().formatHex(challenge));
            return new Continue(reply);
        }
        String name = keys.get("CHAP_N");
        String response = keys.get("CHAP_R");
        if (name == null || response == null) return new Failed("CHAP_N or CHAP_R missing");
        byte[] got = decodeBinary(response);
        byte[] want = md5(identifier, expected.secret(), challenge);
        boolean ok = got != null && name.equals(expected.user()) && MessageDigest.isEqual(got, want);
        if (!ok) return new Failed("CHAP response does not match for user " + name);
        String ci = keys.get("CHAP_I");
        String cc = keys.get("CHAP_C");
        if (ci == null && cc == null) {
            if (mutual.isPresent()) return new Failed("target requires mutual CHAP but the initiator did not ask");
            return new Done(reply);
        }
        if (ci == null || cc == null) return new Failed("mutual CHAP needs both CHAP_I and CHAP_C");
        if (mutual.isEmpty()) return new Failed("initiator asks for mutual CHAP, no target secret configured");
        byte[] theirChallenge = decodeBinary(cc);
        int theirId;
        try {
            theirId = Integer.parseInt(ci);
        } catch (NumberFormatException e) {
            return new Failed("CHAP_I is not a number");
        }
        if (theirChallenge == null || theirChallenge.length == 0 || theirId < 0 || theirId > 255) {
            return new Failed("malformed mutual CHAP challenge");
        }
        if (MessageDigest.isEqual(theirChallenge, challenge)) {
            return new Failed("initiator reflected the target's challenge");
        }
        reply.put("CHAP_N", mutual.get().user());
        reply.put("CHAP_R", "0x" + HexFormat.of().formatHex(md5(theirId, mutual.get().secret(), theirChallenge)));
        return new Done(reply);
    }

    static byte[] md5(int id, String secret, byte[] challenge) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update((byte) id);
            md.update(secret.getBytes(StandardCharsets.UTF_8));
            md.update(challenge);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Binary values are 0x-hex or 0b-base64 (RFC 7143 §6.1). */
    static byte[] decodeBinary(String v) {
        try {
            if (v.startsWith("0x") || v.startsWith("0X")) {
                String hex = v.substring(2);
                if ((hex.length() & 1) == 1) hex = "0" + hex;
                return HexFormat.of().parseHex(hex);
            }
            if (v.startsWith("0b") || v.startsWith("0B")) return Base64.getDecoder().decode(v.substring(2));
        } catch (IllegalArgumentException e) {
            return null;
        }
        return null;
    }
}
