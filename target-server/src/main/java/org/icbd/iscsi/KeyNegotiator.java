package org.icbd.iscsi;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Answers the operational keys an initiator offers (RFC 7143 §13) and accumulates the result.
 * Each key has one rule: list (first common choice), boolean AND/OR, numeric min/max, or
 * declarative. Out-of-range values are answered "Reject", unknown keys "NotUnderstood".
 */
public final class KeyNegotiator {

    private final IscsiSettings settings;
    private OperationalParameters p = OperationalParameters.rfcDefaults();
    private boolean declaredMaxRecv;

    public KeyNegotiator(IscsiSettings settings) {
        this.settings = settings;
        p = with(p, "TargetMaxRecv", settings.maxRecvDataSegmentLength());
    }

    public OperationalParameters result() {
        return p;
    }

    /** Answers one batch of offered keys; the answers go into {@code reply}. */
    public void negotiate(SequencedMap<String, String> offered, Map<String, String> reply, boolean leadingPdu) {
        for (var e : offered.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            String answer = answer(key, value);
            if (answer != null) reply.put(key, answer);
        }
        if (!declaredMaxRecv) {
            // declarative: the initiator assumes 8192 unless the target says what it accepts
            reply.put("MaxRecvDataSegmentLength", Integer.toString(settings.maxRecvDataSegmentLength()));
            declaredMaxRecv = true;
        }
    }

    private String answer(String key, String value) {
        switch (key) {
            case "HeaderDigest", "DataDigest" -> {
                String chosen = null;
                for (String v : value.split(",")) {
                    if (v.equals("CRC32C") || v.equals("None")) {
                        chosen = v;
                        break;
                    }
                }
                if (chosen == null) return "Reject";
                p = with(p, key, chosen.equals("CRC32C") ? 1 : 0);
                return chosen;
            }
            case "MaxConnections" -> {
                Integer v = number(value, 1, 65535);
                if (v == null) return "Reject";
                return "1";
            }
            case "InitialR2T" -> {
                Boolean v = bool(value);
                if (v == null) return "Reject";
                boolean result = v || settings.initialR2T();  // OR
                p = with(p, key, result ? 1 : 0);
                return yesNo(result);
            }
            case "ImmediateData" -> {
                Boolean v = bool(value);
                if (v == null) return "Reject";
                boolean result = v && settings.immediateData();  // AND
                p = with(p, key, result ? 1 : 0);
                return yesNo(result);
            }
            case "DataPDUInOrder", "DataSequenceInOrder" -> {
                Boolean v = bool(value);
                if (v == null) return "Reject";
                // OR: this target wants Yes, so the result is always Yes
                return "Yes";
            }
            case "MaxRecvDataSegmentLength" -> {
                Integer v = number(value, 512, 16777215);
                if (v == null) return "Reject";
                p = with(p, "InitiatorMaxRecv", v);
                return null;  // declarative: our own value is declared separately
            }
            case "MaxBurstLength" -> {
                Integer v = number(value, 512, 16777215);
                if (v == null) return "Reject";
                int result = Math.min(v, settings.maxBurstLength());
                p = with(p, key, result);
                if (p.firstBurstLength() > result) p = with(p, "FirstBurstLength", result);
                return Integer.toString(result);
            }
            case "FirstBurstLength" -> {
                Integer v = number(value, 512, 16777215);
                if (v == null) return "Reject";
                int result = Math.min(Math.min(v, settings.firstBurstLength()), p.maxBurstLength());
                p = with(p, key, result);
                return Integer.toString(result);
            }
            case "DefaultTime2Wait" -> {
                Integer v = number(value, 0, 3600);
                if (v == null) return "Reject";
                int result = Math.max(v, 2);
                p = with(p, key, result);
                return Integer.toString(result);
            }
            case "DefaultTime2Retain" -> {
                Integer v = number(value, 0, 3600);
                if (v == null) return "Reject";
                // ErrorRecoveryLevel 0 keeps no state for a failed connection
                p = with(p, key, 0);
                return "0";
            }
            case "MaxOutstandingR2T" -> {
                Integer v = number(value, 1, 65535);
                if (v == null) return "Reject";
                int result = Math.min(v, 16);
                p = with(p, key, result);
                return Integer.toString(result);
            }
            case "ErrorRecoveryLevel" -> {
                Integer v = number(value, 0, 2);
                if (v == null) return "Reject";
                return "0";
            }
            case "IFMarker", "OFMarker" -> {
                return bool(value) == null ? "Reject" : "No";
            }
            case "IFMarkInt", "OFMarkInt" -> {
                return "Irrelevant";
            }
            case "iSCSIProtocolLevel" -> {
                Integer v = number(value, 0, 31);
                if (v == null) return "Reject";
                return Integer.toString(Math.min(v, 1));
            }
            case "TaskReporting" -> {
                return "RFC3720";
            }
            // declarations and security keys are handled by the login state machine
            case "InitiatorName", "InitiatorAlias", "SessionType", "TargetName", "AuthMethod" -> {
                return null;
            }
            default -> {
                return "NotUnderstood";
            }
        }
    }

    private static OperationalParameters with(OperationalParameters p, String key, int v) {
        return new OperationalParameters(
                key.equals("HeaderDigest") ? v == 1 : p.headerDigest(),
                key.equals("DataDigest") ? v == 1 : p.dataDigest(),
                p.maxConnections(),
                key.equals("InitialR2T") ? v == 1 : p.initialR2T(),
                key.equals("ImmediateData") ? v == 1 : p.immediateData(),
                key.equals("InitiatorMaxRecv") ? v : p.initiatorMaxRecvDataSegmentLength(),
                key.equals("TargetMaxRecv") ? v : p.targetMaxRecvDataSegmentLength(),
                key.equals("MaxBurstLength") ? v : p.maxBurstLength(),
                key.equals("FirstBurstLength") ? v : p.firstBurstLength(),
                key.equals("DefaultTime2Wait") ? v : p.defaultTime2Wait(),
                key.equals("DefaultTime2Retain") ? v : p.defaultTime2Retain(),
                key.equals("MaxOutstandingR2T") ? v : p.maxOutstandingR2T(),
                p.dataPduInOrder(), p.dataSequenceInOrder(), 0);
    }

    private static Integer number(String v, int min, int max) {
        try {
            long n = Long.parseLong(v);
            return n < min || n > max ? null : (int) n;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Boolean bool(String v) {
        return switch (v) {
            case "Yes" -> Boolean.TRUE;
            case "No" -> Boolean.FALSE;
            default -> null;
        };
    }

    private static String yesNo(boolean b) {
        return b ? "Yes" : "No";
    }

    /** For tests and logs. */
    public static Map<String, String> describe(OperationalParameters p) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("HeaderDigest", p.headerDigest() ? "CRC32C" : "None");
        m.put("DataDigest", p.dataDigest() ? "CRC32C" : "None");
        m.put("MaxBurstLength", Integer.toString(p.maxBurstLength()));
        m.put("FirstBurstLength", Integer.toString(p.firstBurstLength()));
        return m;
    }
}
