package org.icbd.iscsi;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.icbd.scsi.ScsiResponse;

/**
 * Every PDU the target sends, built in one place. Pure: no I/O; data is sliced, not copied.
 * Sequence numbers (StatSN, ExpCmdSN, MaxCmdSN) are stamped by the connection's writer.
 */
public final class Responses {
    private Responses() {
    }

    /**
     * A SCSI result as Data-In PDUs no longer than the initiator's MaxRecvDataSegmentLength, ending
     * a sequence at every MaxBurstLength, with the status in the last Data-In when it is GOOD (phase
     * collapse), otherwise in a SCSI Response; residual overflow/underflow from what the command
     * wanted against the Expected Data Transfer Length.
     */
    public static List<OutboundPdu> scsi(InboundPdu.ScsiCommand cmd, ScsiResponse r, int maxRecvDataSegment,
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
        OutboundPdu resp = withStatus(Opcode.SCSI_RESPONSE, senseData, cmd.itt());
        byte[] h = resp.bhs();
        h[1] = (byte) (0x80 | flags);
        h[2] = 0;  // command completed at target
        h[3] = (byte) r.status();
        Bhs.put32(h, 36, dataSn);  // ExpDataSN: Data-In PDUs sent for this command
        Bhs.put32(h, 44, residual);
        out.add(resp);
        return out;
    }

    /** A response with status: F bit, the ITT it answers, the next StatSN. */
    private static OutboundPdu withStatus(int opcode, ByteBuffer data, int itt) {
        OutboundPdu p = new OutboundPdu(opcode, data, OutboundPdu.StatSn.ADVANCE);
        p.bhs()[1] = (byte) 0x80;
        Bhs.put32(p.bhs(), 16, itt);
        return p;
    }

    static OutboundPdu login(InboundPdu.Login req, LoginNegotiator.Response r, int tsih) {
        OutboundPdu resp = new OutboundPdu(Opcode.LOGIN_RESPONSE, ByteBuffer.wrap(r.data()), OutboundPdu.StatSn.ADVANCE);
        byte[] h = resp.bhs();
        h[1] = (byte) ((r.transit() ? 0x80 : 0) | (r.csg() << 2) | r.nsg());
        h[2] = 0;  // version max
        h[3] = 0;  // version active
        System.arraycopy(req.bhs(), 8, h, 8, 6);  // ISID
        Bhs.put16(h, 14, tsih);
        Bhs.put32(h, 16, req.itt());
        h[36] = (byte) (r.status() >>> 8);
        h[37] = (byte) r.status();
        return resp;
    }

    /** The answer to an initiator's NOP-Out: its ping data echoed, cut to what the initiator accepts. */
    static OutboundPdu nopIn(InboundPdu.NopOut n, int maxRecvDataSegment) {
        ByteBuffer echo = n.data().length == 0 ? null
                : ByteBuffer.wrap(n.data(), 0, Math.min(n.data().length, maxRecvDataSegment));
        OutboundPdu in = withStatus(Opcode.NOP_IN, echo, n.itt());
        Bhs.putLun(in.bhs(), 8, n.lun());
        Bhs.put32(in.bhs(), 20, Opcode.NO_TAG);
        return in;
    }

    /** The target's own ping: asks for a NOP-Out carrying {@code ttt}, consumes no StatSN. */
    static OutboundPdu ping(int ttt) {
        OutboundPdu ping = new OutboundPdu(Opcode.NOP_IN, null, OutboundPdu.StatSn.PEEK);
        byte[] h = ping.bhs();
        h[1] = (byte) 0x80;
        Bhs.put32(h, 16, Opcode.NO_TAG);
        Bhs.put32(h, 20, ttt);
        return ping;
    }

    static OutboundPdu text(InboundPdu.Text t, byte[] data) {
        OutboundPdu resp = withStatus(Opcode.TEXT_RESPONSE, ByteBuffer.wrap(data), t.itt());
        System.arraycopy(t.bhs(), 8, resp.bhs(), 8, 8);  // LUN
        Bhs.put32(resp.bhs(), 20, Opcode.NO_TAG);
        return resp;
    }

    static OutboundPdu logout(InboundPdu.Logout l) {
        OutboundPdu resp = withStatus(Opcode.LOGOUT_RESPONSE, null, l.itt());
        resp.bhs()[2] = (byte) (l.reason() == 0 || l.reason() == 1 ? 0 : 2);  // 2: recovery not supported
        return resp;
    }

    static OutboundPdu taskManagement(InboundPdu.TaskMgmt t, int response) {
        OutboundPdu p = withStatus(Opcode.TASK_MGMT_RESPONSE, null, t.itt());
        p.bhs()[2] = (byte) response;
        return p;
    }

    static OutboundPdu reject(byte[] rejectedBhs, int reason) {
        OutboundPdu p = withStatus(Opcode.REJECT, ByteBuffer.wrap(rejectedBhs.clone()), Opcode.NO_TAG);
        p.bhs()[2] = (byte) reason;
        return p;
    }

    /** Asks for {@code length} bytes of Data-Out at {@code offset}; carries the next StatSN without using it. */
    static OutboundPdu r2t(InboundPdu.ScsiCommand c, int ttt, int r2tSn, int offset, int length) {
        OutboundPdu r2t = new OutboundPdu(Opcode.R2T, null, OutboundPdu.StatSn.PEEK);
        byte[] h = r2t.bhs();
        h[1] = (byte) 0x80;
        Bhs.putLun(h, 8, c.lun());
        Bhs.put32(h, 16, c.itt());
        Bhs.put32(h, 20, ttt);
        Bhs.put32(h, 36, r2tSn);
        Bhs.put32(h, 40, offset);
        Bhs.put32(h, 44, length);
        return r2t;
    }
}
