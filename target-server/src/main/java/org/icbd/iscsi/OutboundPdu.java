package org.icbd.iscsi;

import java.nio.ByteBuffer;

/**
 * A PDU on its way to the initiator. Sequence numbers (StatSN, ExpCmdSN, MaxCmdSN) are
 * filled in by the connection's writer at the moment of sending, so they are always
 * current and StatSN increases in exactly the order responses leave.
 */
public final class OutboundPdu {

    /** How a PDU uses the connection's StatSN. */
    public enum StatSn {
        /** carries no StatSN (Data-In without status) */
        NONE,
        /** carries the next StatSN without consuming it (R2T, unsolicited NOP-In) */
        PEEK,
        /** carries the next StatSN and consumes it (every response with status) */
        ADVANCE
    }

    final byte[] bhs = new byte[Bhs.LENGTH];
    final ByteBuffer data;
    final StatSn statSn;
    /** runs on the writer thread after the PDU is on the wire (or the connection died) */
    Runnable afterSend;

    public OutboundPdu(int opcode, ByteBuffer data, StatSn statSn) {
        bhs[0] = (byte) opcode;
        this.data = data == null ? null : data.slice();
        if (this.data != null) Bhs.put24(bhs, 5, this.data.remaining());
        this.statSn = statSn;
    }

    public byte[] bhs() {
        return bhs;
    }

    public ByteBuffer data() {
        return data;
    }

    public OutboundPdu afterSend(Runnable r) {
        this.afterSend = r;
        return this;
    }
}
