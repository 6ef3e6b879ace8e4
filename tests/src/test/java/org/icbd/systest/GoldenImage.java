package org.icbd.systest;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Arrays;

/** A disk image for a test to import: its first bytes all {@link #PATTERN}, the rest up to its length a hole. */
public final class GoldenImage {

    /** What every filled byte holds (qemu-io {@code read -P 0x5a} checks it). */
    public static final byte PATTERN = 0x5a;

    private GoldenImage() {
    }

    /** Writes {@code file}: {@code filled} bytes of {@link #PATTERN}, then a hole up to {@code length} bytes; returns it. */
    public static Path write(Path file, int filled, long length) throws IOException {
        byte[] bytes = new byte[filled];
        Arrays.fill(bytes, PATTERN);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(bytes);
            f.setLength(length);
        }
        return file;
    }
}
