package org.icbd.cli;

import java.nio.file.Path;

/**
 * One {@code export} argument: an image file, with an optional {@code ,ro} (read-only) or
 * {@code ,rw} suffix. A comma followed by anything else is part of the file name.
 */
public record ExportSpec(Path path, boolean readOnly) {

    public static ExportSpec parse(String arg) {
        if (arg == null || arg.isBlank()) throw new IllegalArgumentException("expected FILE or FILE,ro; got an empty argument");
        int comma = arg.lastIndexOf(',');
        if (comma >= 0) {
            String suffix = arg.substring(comma + 1);
            String file = arg.substring(0, comma);
            if (suffix.equals("ro") || suffix.equals("rw")) {
                if (file.isEmpty()) throw new IllegalArgumentException("the file name is missing in '" + arg + "'");
                return new ExportSpec(Path.of(file), suffix.equals("ro"));
            }
        }
        return new ExportSpec(Path.of(arg), false);
    }
}
