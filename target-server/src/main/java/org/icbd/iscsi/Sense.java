package org.icbd.iscsi;

/**
 * The few sense data the transport itself must produce (before or around the command layer):
 * fixed format, current error.
 */
final class Sense {
    private Sense() {
    }

    static final byte[] INVALID_FIELD_IN_CDB = fixed(0x05, 0x24, 0x00);
    static final byte[] INTERNAL_TARGET_FAILURE = fixed(0x04, 0x44, 0x00);
    /** ABORTED COMMAND, DATA PHASE ERROR: Data-Out that does not fit its sequence. */
    static final byte[] DATA_PHASE_ERROR = fixed(0x0B, 0x4B, 0x00);

    static byte[] fixed(int key, int asc, int ascq) {
        byte[] s = new byte[18];
        s[0] = 0x70;
        s[2] = (byte) key;
        s[7] = 10;  // additional sense length
        s[12] = (byte) asc;
        s[13] = (byte) ascq;
        return s;
    }
}
