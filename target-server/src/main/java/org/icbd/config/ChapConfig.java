package org.icbd.config;

import java.util.Optional;
import org.icbd.iscsi.ExportedTarget;

/** A CHAP user name and secret. Its {@code toString} hides the secret, so it never reaches a log. */
public record ChapConfig(String user, String secret) {

    static final int MIN_SECRET = 12;
    static final int MAX_SECRET = 16;

    /**
     * Why {@code secret} cannot be used, or empty. RFC 7143 §9.2.1 asks for at least 96 bits
     * (12 characters); 16 is the most the Microsoft initiator accepts, so longer secrets lock
     * Windows clients out.
     */
    public static Optional<String> secretProblem(String secret) {
        int n = secret == null ? 0 : secret.length();
        if (n < MIN_SECRET || n > MAX_SECRET) {
            return Optional.of("CHAP secrets must be " + MIN_SECRET + " to " + MAX_SECRET
                    + " characters (RFC 7143 §9.2.1 asks for at least 12; Windows initiators accept at most 16); got " + n);
        }
        for (int i = 0; i < n; i++) {
            char c = secret.charAt(i);
            if (c < 0x20 || c > 0x7e) return Optional.of("CHAP secrets must be printable ASCII; character " + (i + 1) + " is not");
        }
        return Optional.empty();
    }

    /** Why {@code user} cannot be a CHAP_N value, or empty. */
    public static Optional<String> userProblem(String user) {
        if (user == null || user.isEmpty()) return Optional.of("CHAP user name is empty");
        if (user.length() > 255) return Optional.of("CHAP user names must be at most 255 characters; got " + user.length());
        for (int i = 0; i < user.length(); i++) {
            char c = user.charAt(i);
            if (c <= 0x20 || c > 0x7e) return Optional.of("CHAP user names must be printable ASCII without spaces; got '" + user + "'");
        }
        return Optional.empty();
    }

    public ExportedTarget.Credentials toCredentials() {
        return new ExportedTarget.Credentials(user, secret);
    }

    @Override
    public String toString() {
        return "ChapConfig[user=" + user + ", secret=***]";
    }
}
