package org.icbd.volume;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Text at the start of an image or disk file: which version or whose write a test finds there. */
public final class Markers {

    private Markers() {
    }

    /** A 4 MiB image file {@code name} in {@code dir} that starts with {@code marker}. */
    public static Path image(Path dir, String name, String marker) throws IOException {
        Path file = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(4 << 20);
            f.write(marker.getBytes(StandardCharsets.US_ASCII));
        }
        return file;
    }

    /** Writes {@code marker} at the start of {@code disk}, durably. */
    public static void write(Path disk, String marker) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.write(marker.getBytes(StandardCharsets.US_ASCII));
            f.getFD().sync();
        }
    }

    /** The first {@code length} bytes of {@code disk} as text. */
    public static String read(Path disk, int length) throws IOException {
        byte[] b = new byte[length];
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "r")) {
            f.readFully(b);
        }
        return new String(b, StandardCharsets.US_ASCII);
    }
}
