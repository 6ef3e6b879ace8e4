package org.icbd.scsi;

/** Big-endian field readers over a CDB or a parameter list; no I/O, no allocation. */
public final class Cdb {

    private Cdb() {
    }

    public static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    public static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) << 8 | (b[off + 1] & 0xFF);
    }

    public static int u24(byte[] b, int off) {
        return (b[off] & 0xFF) << 16 | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF);
    }

    public static long u32(byte[] b, int off) {
        return ((long) (b[off] & 0xFF) << 24) | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }

    public static long u64(byte[] b, int off) {
        return u32(b, off) << 32 | u32(b, off + 4);
    }

    public static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    public static void put32(byte[] b, int off, long v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    public static void put64(byte[] b, int off, long v) {
        put32(b, off, v >>> 32);
        put32(b, off + 4, v);
    }

    /** The service action field of a variable-service-action opcode (byte 1, low 5 bits). */
    public static int serviceAction(byte[] cdb) {
        return cdb.length > 1 ? cdb[1] & 0x1F : 0;
    }

    /** Ensures the CDB has at least {@code length} bytes (the transport pads to 16, but be safe). */
    public static void requireLength(byte[] cdb, int length) {
        if (cdb.length < length) throw CommandFailure.check(Sense.INVALID_FIELD_IN_CDB);
    }
}
