package org.icbd.workstation;

import java.util.Locale;
import java.util.regex.Pattern;
import org.icbd.volume.VolumeException;

/** A MAC address as iPXE's {@code ${net0/mac}} gives it: six bytes, kept as {@code 52:54:00:12:34:56}. */
public record MacAddress(String value) {

    private static final Pattern SEPARATED = Pattern.compile("\\p{XDigit}{2}([:-])\\p{XDigit}{2}(\\1\\p{XDigit}{2}){4}");
    private static final Pattern BARE = Pattern.compile("\\p{XDigit}{12}");

    /** Accepts {@code aa:bb:cc:dd:ee:ff}, {@code aa-bb-...} or {@code aabbccddeeff}, any case. */
    public static MacAddress parse(String text) {
        String t = text == null ? "" : text.strip();
        String hex;
        if (SEPARATED.matcher(t).matches()) hex = t.replace(":", "").replace("-", "");
        else if (BARE.matcher(t).matches()) hex = t;
        else {
            throw new VolumeException(VolumeException.Kind.INVALID, "'" + (t.length() > 40 ? t.substring(0, 40) + "..." : t)
                    + "' is not a MAC address (six hex bytes, e.g. 52:54:00:12:34:56)");
        }
        hex = hex.toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(17);
        for (int i = 0; i < 12; i += 2) {
            if (i > 0) b.append(':');
            b.append(hex, i, i + 2);
        }
        return new MacAddress(b.toString());
    }

    /** The MAC as a name part: {@code 525400123456}. */
    public String bare() {
        return value.replace(":", "");
    }

    @Override
    public String toString() {
        return value;
    }
}
