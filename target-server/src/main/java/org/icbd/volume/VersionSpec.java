package org.icbd.volume;

/**
 * {@code IMAGE@N}, one published version of an image, parsed at the edge. {@code IMAGE} alone means
 * the newest version where a caller allows it ({@link #version} 0).
 */
public record VersionSpec(VolumeName image, int version) {

    /** {@code IMAGE@N} with N a version number from 1. */
    public static VersionSpec parse(String spec) {
        VersionSpec v = parseOrNewest(spec);
        if (v.version == 0) throw invalid(spec);
        return v;
    }

    /** {@code IMAGE@N}, or {@code IMAGE} for the newest version (0). */
    public static VersionSpec parseOrNewest(String spec) {
        if (spec == null) throw invalid(null);
        int at = spec.lastIndexOf('@');
        if (at < 0) return new VersionSpec(new VolumeName(spec), 0);
        int n;
        try {
            n = Integer.parseInt(spec.substring(at + 1));
        } catch (NumberFormatException e) {
            throw invalid(spec);
        }
        if (n < 1 || at == 0) throw invalid(spec);
        return new VersionSpec(new VolumeName(spec.substring(0, at)), n);
    }

    private static VolumeException invalid(String spec) {
        return new VolumeException(VolumeException.Kind.INVALID, "expected IMAGE@N with N a version number from 1"
                + " (for example win11@3); got '" + spec + "'");
    }

    @Override
    public String toString() {
        return image + "@" + version;
    }
}
