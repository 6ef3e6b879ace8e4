package org.icbd.iscsi;

/**
 * One framed PDU as received: its BHS, AHS and data segment (padding and digests stripped).
 * The arrays are owned by this record once framed; nobody mutates them afterwards.
 */
public record RawPdu(byte[] bhs, byte[] ahs, byte[] data) {
    public int opcode() {
        return Bhs.opcode(bhs);
    }
}
