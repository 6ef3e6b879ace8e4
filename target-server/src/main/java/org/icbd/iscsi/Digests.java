package org.icbd.iscsi;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C header and data digests. The 32-bit value goes on the wire least significant byte
 * first (RFC 7143 Appendix B: 32 zero bytes digest to aa 36 91 8a).
 */
public final class Digests {
    private Digests() {
    }

    public static int crc32c(byte[] a, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(a, off, len);
        return (int) c.getValue();
    }

    /** Digest of a data segment including its zero padding. */
    public static int dataDigest(ByteBuffer data) {
        CRC32C c = new CRC32C();
        int len = data.remaining();
        c.update(data.duplicate());
        int pad = Bhs.pad(len);
        if (pad > 0) c.update(new byte[pad], 0, pad);
        return (int) c.getValue();
    }

    public static void putLe(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }

    public static int getLe(byte[] b, int off) {
        return (b[off] & 0xFF) | ((b[off + 1] & 0xFF) << 8) | ((b[off + 2] & 0xFF) << 16) | ((b[off + 3] & 0xFF) << 24);
    }
}
