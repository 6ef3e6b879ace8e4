package org.icbd.iscsi;

/** Big-endian field access on a 48-byte Basic Header Segment. */
public final class Bhs {
    public static final int LENGTH = 48;

    private Bhs() {
    }

    public static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    public static int u16(byte[] b, int off) {
        return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }

    public static int u24(byte[] b, int off) {
        return ((b[off] & 0xFF) << 16) | ((b[off + 1] & 0xFF) << 8) | (b[off + 2] & 0xFF);
    }

    public static int i32(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    public static long i64(byte[] b, int off) {
        return ((long) i32(b, off) << 32) | (i32(b, off + 4) & 0xFFFFFFFFL);
    }

    public static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    public static void put24(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 16);
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) v;
    }

    public static void put32(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    public static void put64(byte[] b, int off, long v) {
        put32(b, off, (int) (v >>> 32));
        put32(b, off + 4, (int) v);
    }

    public static int opcode(byte[] bhs) {
        return bhs[0] & 0x3F;
    }

    public static boolean immediate(byte[] bhs) {
        return (bhs[0] & 0x40) != 0;
    }

    public static int totalAhsBytes(byte[] bhs) {
        return u8(bhs, 4) * 4;
    }

    public static int dataSegmentLength(byte[] bhs) {
        return u24(bhs, 5);
    }

    public static int itt(byte[] bhs) {
        return i32(bhs, 16);
    }

    /** Bytes of padding that round {@code n} up to a multiple of 4. */
    public static int pad(int n) {
        return (4 - (n & 3)) & 3;
    }

    /**
     * Decodes an 8-byte SAM LUN (peripheral or flat addressing, single level).
     * Anything else maps to -1, which no logical unit has, so it ends in LUN NOT SUPPORTED.
     */
    public static long lun(byte[] bhs, int off) {
        int method = (bhs[off] & 0xC0) >>> 6;
        for (int i = 2; i < 8; i++) {
            if (bhs[off + i] != 0) return -1;
        }
        return switch (method) {
            case 0 -> (bhs[off] & 0x3F) == 0 ? (bhs[off + 1] & 0xFF) : -1;
            case 1 -> ((bhs[off] & 0x3F) << 8) | (bhs[off + 1] & 0xFF);
            default -> -1;
        };
    }

    /** Encodes a LUN the way {@link #lun} reads it (peripheral below 256, flat above). */
    public static void putLun(byte[] bhs, int off, long lun) {
        for (int i = 0; i < 8; i++) bhs[off + i] = 0;
        if (lun < 0) return;
        if (lun < 256) {
            bhs[off + 1] = (byte) lun;
        } else {
            bhs[off] = (byte) (0x40 | ((lun >>> 8) & 0x3F));
            bhs[off + 1] = (byte) lun;
        }
    }
}
