package org.icbd.iscsi;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.icbd.scsi.ScsiResponse;

/**
 * Turns a SCSI result into the PDUs that carry it: Data-In PDUs no longer than the initiator's
 * MaxRecvDataSegmentLength, ending a sequence at every MaxBurstLength, with the status in the
 * last Data-In when it is GOOD (phase collapse), otherwise in a SCSI Response; residual
 * overflow/underflow from what the command wanted against the Expected Data Transfer Length.
 * Pure: no I/O, slices the data without copying it.
 */
public final class ResponseBuilder {
    private ResponseBuilder() {
    }

    public static List<OutboundPdu> build(InboundPdu.ScsiCommand cmd, ScsiResponse r, int maxRecvDataSegment,
                                          int maxBurst) {
        int edtl = cmd.expectedLength();
        ByteBuffer dataIn = r.dataIn();
        int actual = dataIn == null ? 0 : dataIn.remaining();
        boolean isRead = cmd.read() && !cmd.write();
        int send = isRead ? Math.min(actual, edtl) : 0;
        long wanted = r.transferLength() >= 0 ? r.transferLength() : (isRead ? actual : 0);
        int flags = 0;
        int residual = 0;
        if (r.status() == ScsiResponse.GOOD || r.status() == ScsiResponse.CONDITION_MET || send > 0) {
            if (wanted > edtl) {
                flags = 0x04;  // O: overflow
                residual = (int) Math.min(wanted - edtl, Integer.MAX_VALUE);
            } else if (wanted < edtl) {
                flags = 0x02;  // U: underflow
                residual = (int) (edtl - wanted);
            }
        }
        List<OutboundPdu> out = new ArrayList<>();
        boolean collapse = r.status() == ScsiResponse.GOOD && r.sense() == null;
        int dataSn = 0;
        int burst = 0;
        for (int off = 0; off < send; ) {
            int len = Math.min(maxRecvDataSegment, send - off);
            len = Math.min(len, maxBurst - burst);
            boolean last = off + len == send;
            burst += len;
            boolean endOfSequence = last || burst == maxBurst;
            if (burst == maxBurst) burst = 0;
            boolean withStatus = last && collapse;
            OutboundPdu p = new OutboundPdu(Opcode.DATA_IN, dataIn.slice(dataIn.position() + off, len),
                    withStatus ? OutboundPdu.StatSn.ADVANCE : OutboundPdu.StatSn.NONE);
            byte[] h = p.bhs();
            h[1] = (byte) ((endOfSequence ? 0x80 : 0) | (withStatus ? 0x01 | flags : 0));
            if (withStatus) h[3] = (byte) r.status();
            Bhs.putLun(h, 8, cmd.lun());
            Bhs.put32(h, 16, cmd.itt());
            Bhs.put32(h, 20, Opcode.NO_TAG);
            Bhs.put32(h, 36, dataSn++);
            Bhs.put32(h, 40, off);
            if (withStatus) Bhs.put32(h, 44, residual);
            out.add(p);
            off += len;
        }
        if (send > 0 && collapse) return out;
        ByteBuffer senseData = null;
        if (r.sense() != null) {
            byte[] s = new byte[2 + r.sense().length];
            Bhs.put16(s, 0, r.sense().length);
            System.arraycopy(r.sense(), 0, s, 2, r.sense().length);
            senseData = ByteBuffer.wrap(s);
        }
        OutboundPdu resp = new OutboundPdu(Opcode.SCSI_RESPONSE, senseData, OutboundPdu.StatSn.ADVANCE);
        byte[] h = resp.bhs();
        h[1] = (byte) (0x80 | flags);
        h[2] = 0;  // command completed at target
        h[3] = (byte) r.status();
        Bhs.put32(h, 16, cmd.itt());
        Bhs.put32(h, 36, dataSn);  // ExpDataSN: Data-In PDUs sent for this command
        Bhs.put32(h, 44, residual);
        out.add(resp);
        return out;
    }
}
