package org.icbd.volume;

import java.util.regex.Pattern;

/**
 * A validated image or clone name. Names become directory names under the data root, so they are
 * checked at the edge: no separators, no dot-dot, nothing a shell or btrfs would read specially.
 */
public record VolumeName(String value) {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    public VolumeName {
        if (value == null || !VALID.matcher(value).matches() || value.contains("..")) {
            throw new VolumeException(VolumeException.Kind.INVALID, "invalid name '" + value + "': use 1 to 63 letters, digits, '.', '_' or '-',"
                    + " starting with a letter or digit, without '..'");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
