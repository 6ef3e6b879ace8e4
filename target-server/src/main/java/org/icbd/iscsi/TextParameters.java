package org.icbd.iscsi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/** The key=value&lt;NUL&gt; text of login and text PDUs (RFC 7143 §6). Order is kept. */
public final class TextParameters {
    /** Largest text we accept across a multi-PDU login/text exchange (bounds memory). */
    public static final int MAX_TEXT = 65536;

    private TextParameters() {
    }

    public static final class MalformedTextException extends Exception {
        MalformedTextException(String message) {
            super(message);
        }
    }

    public static SequencedMap<String, String> parse(byte[] data) throws MalformedTextException {
        SequencedMap<String, String> out = new LinkedHashMap<>();
        int start = 0;
        for (int i = 0; i <= data.length; i++) {
            if (i == data.length || data[i] == 0) {
                if (i > start) {
                    String kv = new String(data, start, i - start, StandardCharsets.UTF_8);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) throw new MalformedTextException("text item without key=value: " + printable(kv));
                    String key = kv.substring(0, eq);
                    if (key.length() > 63) throw new MalformedTextException("key longer than 63 bytes");
                    if (out.containsKey(key)) throw new MalformedTextException("key sent twice: " + key);
                    out.put(key, kv.substring(eq + 1));
                }
                start = i + 1;
            }
        }
        return out;
    }

    public static byte[] encode(Map<String, String> params) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        params.forEach((k, v) -> {
            out.writeBytes((k + "=" + v).getBytes(StandardCharsets.UTF_8));
            out.write(0);
        });
        return out.toByteArray();
    }

    private static String printable(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
