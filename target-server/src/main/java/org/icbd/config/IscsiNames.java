package org.icbd.config;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * iSCSI name rules (RFC 3720 §3.2.6, RFC 3722 stringprep, RFC 3980 for {@code naa.}), checked
 * for ASCII names: initiators compare names after normalizing them to lower case, so a name
 * written with capitals would never match what they send.
 */
public final class IscsiNames {

    private static final int MAX_BYTES = 223;
    private static final String LABEL = "[a-z0-9](?:[a-z0-9-]*[a-z0-9])?";
    private static final Pattern IQN = Pattern.compile(
            "iqn\\.\\d{4}-(?:0[1-9]|1[0-2])\\." + LABEL + "(?:\\." + LABEL + ")*(?::[a-z0-9.:-]*)?");
    private static final Pattern EUI = Pattern.compile("eui\\.[0-9a-fA-F]{16}");
    private static final Pattern NAA = Pattern.compile("naa\\.(?:[0-9a-fA-F]{16}|[0-9a-fA-F]{32})");

    private IscsiNames() {
    }

    /** Why {@code name} is not a valid iSCSI name, or empty when it is. */
    public static Optional<String> problem(String name) {
        if (name == null || name.isEmpty()) return Optional.of("an iSCSI name is required, e.g. iqn.2026-11.org.example:disk1");
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return Optional.of("iSCSI names must be at most " + MAX_BYTES + " bytes (RFC 3720 §3.2.6.1); got "
                    + name.getBytes(StandardCharsets.UTF_8).length);
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith("iqn.")) {
            if (!name.equals(lower)) {
                return Optional.of("write iSCSI names in lower case (initiators normalize them, RFC 3722): " + lower);
            }
            if (!IQN.matcher(name).matches()) {
                return Optional.of("an iqn name is iqn.YYYY-MM.reversed.domain[:unique], using a-z 0-9 - . : only"
                        + " (RFC 3720 §3.2.6.3.1); got '" + name + "'");
            }
            return Optional.empty();
        }
        if (lower.startsWith("eui.")) {
            return EUI.matcher(name).matches() ? Optional.empty()
                    : Optional.of("an eui name is 'eui.' and 16 hex digits (RFC 3720 §3.2.6.3.2); got '" + name + "'");
        }
        if (lower.startsWith("naa.")) {
            return NAA.matcher(name).matches() ? Optional.empty()
                    : Optional.of("a naa name is 'naa.' and 16 or 32 hex digits (RFC 3980); got '" + name + "'");
        }
        return Optional.of("iSCSI names start with iqn., eui. or naa. (RFC 3720 §3.2.6.3), "
                + "e.g. iqn.2026-11.org.example:disk1; got '" + name + "'");
    }
}
