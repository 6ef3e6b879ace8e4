package org.icbd.iscsi;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * The login phase of one connection as a state machine without I/O: each Login Request record
 * in, the fields of one Login Response out. Security negotiation (CHAP, ACLs) happens before
 * any operational key is accepted; the target never lets a connection transit past the
 * security stage before the initiator has proven who it is.
 */
public final class LoginNegotiator {

    public static final int SECURITY = 0;
    public static final int OPERATIONAL = 1;
    public static final int FULL_FEATURE = 3;

    public enum Outcome { CONTINUE, COMPLETE, FAIL }

    /** The fields of one Login Response. */
    public record Response(boolean transit, int csg, int nsg, int status, byte[] data, Outcome outcome,
                           String failureReason) {
    }

    public enum SessionType { NORMAL, DISCOVERY }

    private final IscsiSettings settings;
    private final TargetRegistry registry;
    private final int tpgt;
    private final KeyNegotiator keys;

    private boolean first = true;
    private String initiatorName;
    private SessionType sessionType;
    private ExportedTarget target;
    private byte[] isid;
    private int loginCmdSn;
    private Optional<ExportedTarget.Credentials> requiredChap = Optional.empty();
    private Optional<ExportedTarget.Credentials> mutualChap = Optional.empty();
    private String authMethod;          // null until agreed
    private ChapAuthenticator chap;
    private boolean authenticated;
    private byte[] pendingText = new byte[0];

    public LoginNegotiator(IscsiSettings settings, TargetRegistry registry, int tpgt) {
        this.settings = settings;
        this.registry = registry;
        this.tpgt = tpgt;
        this.keys = new KeyNegotiator(settings);
    }

    public Response handle(InboundPdu.Login req) {
        if (req.csg() == 2 || req.csg() > FULL_FEATURE || (req.transit() && (req.nsg() == 2 || req.nsg() <= req.csg()))) {
            return fail(req, LoginStatus.INITIATOR_ERROR, "invalid stage transition CSG " + req.csg() + " NSG " + req.nsg());
        }
        if (req.versionMin() > 0) return fail(req, LoginStatus.UNSUPPORTED_VERSION, "unsupported version");
        if (req.csg() == FULL_FEATURE) return fail(req, LoginStatus.INITIATOR_ERROR, "login in full feature stage");
        byte[] text = concat(pendingText, req.data());
        if (text.length > TextParameters.MAX_TEXT) return fail(req, LoginStatus.INITIATOR_ERROR, "login text too long");
        if (req.cont()) {
            // the initiator continues its text in the next PDU; answer with an empty, non-transit response
            pendingText = text;
            return new Response(false, req.csg(), 0, LoginStatus.SUCCESS, new byte[0], Outcome.CONTINUE, null);
        }
        pendingText = new byte[0];
        SequencedMap<String, String> offered;
        try {
            offered = TextParameters.parse(text);
        } catch (TextParameters.MalformedTextException e) {
            return fail(req, LoginStatus.INITIATOR_ERROR, e.getMessage());
        }
        Map<String, String> reply = new LinkedHashMap<>();
        if (first) {
            Response r = leading(req, offered, reply);
            if (r != null) return r;
            first = false;
        }
        loginCmdSn = req.cmdSn();
        boolean canTransit = true;
        if (req.csg() == SECURITY) {
            Response r = security(req, offered, reply);
            if (r != null) return r;
            canTransit = authenticated;
        } else if (!authenticated) {
            if (requiredChap.isPresent()) {
                return fail(req, LoginStatus.AUTHENTICATION_FAILURE, "target requires CHAP; initiator skipped security negotiation");
            }
            authenticated = true;
        }
        if (req.csg() == OPERATIONAL || (req.csg() == SECURITY && hasOperationalKeys(offered))) {
            keys.negotiate(offered, reply, false);
        }
        boolean transit = req.transit() && canTransit;
        if (transit && req.nsg() == FULL_FEATURE && req.csg() == SECURITY) {
            // skipping the operational stage: still declare what this target accepts
            keys.negotiate(new LinkedHashMap<>(), reply, false);
        }
        Outcome outcome = transit && req.nsg() == FULL_FEATURE ? Outcome.COMPLETE : Outcome.CONTINUE;
        return new Response(transit, req.csg(), transit ? req.nsg() : 0, LoginStatus.SUCCESS,
                TextParameters.encode(reply), outcome, null);
    }

    private Response leading(InboundPdu.Login req, SequencedMap<String, String> offered, Map<String, String> reply) {
        isid = req.isid();
        initiatorName = offered.get("InitiatorName");
        if (initiatorName == null || initiatorName.isBlank()) {
            return fail(req, LoginStatus.MISSING_PARAMETER, "InitiatorName missing");
        }
        String type = offered.getOrDefault("SessionType", "Normal");
        switch (type) {
            case "Normal" -> sessionType = SessionType.NORMAL;
            case "Discovery" -> sessionType = SessionType.DISCOVERY;
            default -> {
                return fail(req, LoginStatus.SESSION_TYPE_NOT_SUPPORTED, "SessionType " + type);
            }
        }
        if (req.tsih() != 0) {
            // MaxConnections=1: a connection cannot join an existing session
            return fail(req, LoginStatus.SESSION_DOES_NOT_EXIST, "adding a connection to a session is not supported");
        }
        if (sessionType == SessionType.NORMAL) {
            String name = offered.get("TargetName");
            if (name == null) return fail(req, LoginStatus.MISSING_PARAMETER, "TargetName missing");
            Optional<ExportedTarget> t = registry.find(name);
            if (t.isEmpty()) return fail(req, LoginStatus.NOT_FOUND, "no target " + name);
            target = t.get();
            if (!target.admits(initiatorName)) {
                return fail(req, LoginStatus.AUTHORIZATION_FAILURE, "initiator " + initiatorName + " not in the ACL of " + name);
            }
            Optional<String> held = registry.unavailable(target);
            if (held.isPresent()) return fail(req, LoginStatus.SERVICE_UNAVAILABLE, name + ": " + held.get());
            requiredChap = target.chap();
            mutualChap = target.mutualChap();
            reply.put("TargetPortalGroupTag", Integer.toString(tpgt));
            if (!target.alias().isEmpty()) reply.put("TargetAlias", target.alias());
        } else {
            requiredChap = registry.discoveryChap();
        }
        return null;
    }

    private Response security(InboundPdu.Login req, SequencedMap<String, String> offered, Map<String, String> reply) {
        String methods = offered.get("AuthMethod");
        if (authMethod == null) {
            if (methods == null) {
                if (requiredChap.isPresent()) return fail(req, LoginStatus.AUTHENTICATION_FAILURE, "AuthMethod missing, CHAP required");
                authMethod = "None";
                authenticated = true;
                return null;
            }
            boolean none = false, chapOffered = false;
            for (String m : methods.split(",")) {
                none |= m.equals("None");
                chapOffered |= m.equals("CHAP");
            }
            if (requiredChap.isPresent()) {
                if (!chapOffered) {
                    reply.put("AuthMethod", "Reject");
                    return fail(req, LoginStatus.AUTHENTICATION_FAILURE, "target requires CHAP, initiator offers " + methods);
                }
                authMethod = "CHAP";
                chap = new ChapAuthenticator(requiredChap.get(), mutualChap);
                reply.put("AuthMethod", "CHAP");
                if (!offered.containsKey("CHAP_A")) return null;
            } else {
                if (!none) return fail(req, LoginStatus.AUTHENTICATION_FAILURE, "no common AuthMethod in " + methods);
                authMethod = "None";
                authenticated = true;
                reply.put("AuthMethod", "None");
                return null;
            }
        }
        if ("CHAP".equals(authMethod) && !authenticated) {
            ChapAuthenticator.Step step = chap.step(offered, reply);
            if (step instanceof ChapAuthenticator.Failed f) return fail(req, LoginStatus.AUTHENTICATION_FAILURE, f.reason());
            if (step instanceof ChapAuthenticator.Done) authenticated = true;
        }
        return null;
    }

    private static boolean hasOperationalKeys(SequencedMap<String, String> offered) {
        for (String k : offered.keySet()) {
            if (!k.startsWith("CHAP_") && !k.equals("AuthMethod") && !k.equals("InitiatorName")
                    && !k.equals("InitiatorAlias") && !k.equals("TargetName") && !k.equals("SessionType")) {
                return true;
            }
        }
        return false;
    }

    private Response fail(InboundPdu.Login req, int status, String why) {
        return new Response(false, req.csg(), 0, status, new byte[0], Outcome.FAIL, why);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) return b;
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    public String initiatorName() {
        return initiatorName;
    }

    public SessionType sessionType() {
        return sessionType;
    }

    /** The target of a normal session; null for discovery. */
    public ExportedTarget target() {
        return target;
    }

    public byte[] isid() {
        return isid.clone();
    }

    public String isidHex() {
        return HexFormat.of().formatHex(isid);
    }

    public int loginCmdSn() {
        return loginCmdSn;
    }

    public OperationalParameters parameters() {
        return keys.result();
    }

    public IscsiSettings settings() {
        return settings;
    }
}
