package org.icbd.scsi;

/**
 * Fixed-format sense data (SPC-4 4.5.3, response code 0x70). Descriptor format is never used:
 * every initiator we serve (iPXE, Windows, Linux, libiscsi) parses fixed format, and our LBAs
 * fit its 32-bit INFORMATION field for the cases where it matters (miscompare offsets).
 */
public final class SenseData {

    public static final int LENGTH = 18;

    private SenseData() {
    }

    public static byte[] of(Sense sense) {
        return build(sense, false, 0, null);
    }

    /** With the INFORMATION field set and VALID (e.g. the miscompare offset). */
    public static byte[] withInformation(Sense sense, long information) {
        return build(sense, true, information, null);
    }

    /**
     * With a sense-key specific field pointer to the offending byte (and bit, or -1) of the CDB
     * ({@code inCdb}) or of the parameter list.
     */
    public static byte[] withFieldPointer(Sense sense, boolean inCdb, int byteIndex, int bit) {
        byte[] sks = new byte[3];
        sks[0] = (byte) (0x80 | (inCdb ? 0x40 : 0) | (bit >= 0 ? 0x08 | (bit & 7) : 0));
        sks[1] = (byte) (byteIndex >>> 8);
        sks[2] = (byte) byteIndex;
        return build(sense, false, 0, sks);
    }

    private static byte[] build(Sense sense, boolean valid, long information, byte[] sks) {
        byte[] b = new byte[LENGTH];
        b[0] = (byte) (0x70 | (valid ? 0x80 : 0));
        b[2] = (byte) sense.key();
        if (valid) {
            b[3] = (byte) (information >>> 24);
            b[4] = (byte) (information >>> 16);
            b[5] = (byte) (information >>> 8);
            b[6] = (byte) information;
        }
        b[7] = (byte) (LENGTH - 8);
        b[12] = (byte) sense.asc();
        b[13] = (byte) sense.ascq();
        if (sks != null) System.arraycopy(sks, 0, b, 15, 3);
        return b;
    }

    /** Decodes key/ASC/ASCQ of fixed-format sense bytes (for tests and logs). */
    public static Sense decode(byte[] fixed) {
        return new Sense(fixed[2] & 0x0F, fixed[12] & 0xFF, fixed[13] & 0xFF);
    }
}
