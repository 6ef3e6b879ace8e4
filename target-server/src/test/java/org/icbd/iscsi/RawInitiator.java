package org.icbd.iscsi;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.LinkedHashMap;
import java.util.Map;

/** A byte-level initiator for tests that must send what no real initiator would. */
final class RawInitiator implements AutoCloseable {
    final Socket socket;
    final DataInputStream in;
    final OutputStream out;
    int cmdSn = 1;

    RawInitiator(InetSocketAddress target) throws IOException {
        this(target, 0);
    }

    /** @param receiveBuffer the socket's receive buffer in bytes (0: the system's) */
    RawInitiator(InetSocketAddress target, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) socket.setReceiveBufferSize(receiveBuffer);
        socket.connect(target, 5000);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    void send(byte[] wire) throws IOException {
        out.write(wire);
        out.flush();
    }

    /** Reads one PDU (no digests); returns its BHS followed by its data. */
    RawPdu read() throws IOException {
        byte[] bhs = new byte[Bhs.LENGTH];
        in.readFully(bhs);
        byte[] ahs = new byte[Bhs.totalAhsBytes(bhs)];
        in.readFully(ahs);
        int len = Bhs.dataSegmentLength(bhs);
        byte[] data = new byte[len];
        in.readFully(data);
        in.skipNBytes(Bhs.pad(len));
        return new RawPdu(bhs, ahs, data);
    }

    /** True when the target closes the connection within the socket timeout. */
    boolean closedByTarget(int timeoutMs) throws IOException {
        socket.setSoTimeout(timeoutMs);
        try {
            while (true) read();
        } catch (EOFException | SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    static byte[] loginPdu(byte[] isid, int csg, int nsg, boolean transit, int cmdSn, Map<String, String> keys) {
        int flags = (transit ? 0x80 : 0) | (csg << 2) | nsg;
        PduBytes p = new PduBytes(Opcode.LOGIN_REQUEST).immediate().flags(flags).i32(24, cmdSn)
                .data(TextParameters.encode(keys));
        System.arraycopy(isid, 0, p.bhs, 8, 6);
        return p.wire();
    }

    /** Logs in to a normal session without authentication, straight to full feature phase. */
    RawPdu login(String initiator, String target, byte[] isid) throws IOException {
        return login(initiator, target, isid, Map.of());
    }

    /** The same, offering {@code operational} keys as well (ImmediateData, MaxRecvDataSegmentLength...). */
    RawPdu login(String initiator, String target, byte[] isid, Map<String, String> operational) throws IOException {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("InitiatorName", initiator);
        if (target != null) keys.put("TargetName", target);
        keys.put("SessionType", target == null ? "Discovery" : "Normal");
        keys.put("AuthMethod", "None");
        keys.putAll(operational);
        send(loginPdu(isid, 0, 3, true, cmdSn, keys));
        return read();
    }

    /** The first command of a new nexus gets UNIT ATTENTION (power on): takes it with an immediate command. */
    void takeUnitAttention() throws IOException {
        byte[] tur = testUnitReady(0x7FFFFFF0, cmdSn);
        tur[0] |= 0x40;
        send(tur);
        response(0x7FFFFFF0);
    }

    /** Reads PDUs until one with {@code opcode} arrives (skipping the target's pings, R2Ts...). */
    RawPdu next(int opcode) throws IOException {
        while (true) {
            RawPdu p = read();
            if (p.opcode() == opcode) return p;
        }
    }

    /** Reads until the SCSI Response (or Data-In with status) of {@code itt}; fails on another command's. */
    RawPdu response(int itt) throws IOException {
        while (true) {
            RawPdu p = read();
            boolean status = p.opcode() == Opcode.SCSI_RESPONSE || p.opcode() == Opcode.DATA_IN && (p.bhs()[1] & 1) != 0;
            if (!status) continue;
            if (Bhs.itt(p.bhs()) != itt) {
                throw new AssertionError("response to ITT 0x" + Integer.toHexString(Bhs.itt(p.bhs()))
                        + " arrived before the one to 0x" + Integer.toHexString(itt));
            }
            return p;
        }
    }

    static int status(RawPdu scsiResponse) {
        return scsiResponse.bhs()[3] & 0xFF;
    }

    /** Sense key, ASC and ASCQ of a SCSI Response's sense data, as "key/asc/ascq" in hex. */
    static String sense(RawPdu scsiResponse) {
        byte[] d = scsiResponse.data();
        if (d.length < 2 + 14) return "none";
        return String.format("%x/%02x/%02x", d[2 + 2] & 0xF, d[2 + 12] & 0xFF, d[2 + 13] & 0xFF);
    }

    /** A SCSI command PDU (non-immediate unless {@code immediate}) with a 16-byte CDB. */
    static PduBytes command(int itt, int cmdSn, boolean read, boolean write, int edtl, byte[] cdb, byte[] immediateData) {
        PduBytes p = new PduBytes(Opcode.SCSI_COMMAND).flags(0x80 | (read ? 0x40 : 0) | (write ? 0x20 : 0) | 1)
                .i32(16, itt).i32(20, edtl).i32(24, cmdSn).data(immediateData);
        System.arraycopy(cdb, 0, p.bhs, 32, cdb.length);
        return p;
    }

    static byte[] testUnitReady(int itt, int cmdSn) {
        return command(itt, cmdSn, false, false, 0, new byte[6], new byte[0]).wire();
    }

    /** WRITE(10) of {@code blocks} 512-byte blocks at {@code lba}, carrying {@code immediateData} of it. */
    static byte[] write10(int itt, int cmdSn, long lba, int blocks, byte[] immediateData) {
        return command(itt, cmdSn, false, true, blocks * 512, cdb10(0x2A, lba, blocks), immediateData).wire();
    }

    static byte[] read10(int itt, int cmdSn, long lba, int blocks) {
        return command(itt, cmdSn, true, false, blocks * 512, cdb10(0x28, lba, blocks), new byte[0]).wire();
    }

    private static byte[] cdb10(int opcode, long lba, int blocks) {
        byte[] cdb = new byte[10];
        cdb[0] = (byte) opcode;
        Bhs.put32(cdb, 2, (int) lba);
        cdb[7] = (byte) (blocks >>> 8);
        cdb[8] = (byte) blocks;
        return cdb;
    }

    static byte[] dataOut(int itt, int ttt, int dataSn, int offset, byte[] data, boolean fin) {
        return new PduBytes(Opcode.DATA_OUT).flags(fin ? 0x80 : 0).i32(16, itt).i32(20, ttt).i32(36, dataSn)
                .i32(40, offset).data(data).wire();
    }

    /** An immediate NOP-Out asking for a NOP-In that echoes {@code ping}. */
    static byte[] ping(int itt, byte[] ping) {
        return new PduBytes(Opcode.NOP_OUT).immediate().flags(0x80).i32(16, itt).i32(20, Opcode.NO_TAG).data(ping).wire();
    }

    static byte[] taskManagement(int function, int itt, int referencedItt, int cmdSn) {
        return new PduBytes(Opcode.TASK_MGMT_REQUEST).immediate().flags(0x80 | function).i32(16, itt)
                .i32(20, referencedItt).i32(24, cmdSn).wire();
    }

    static int loginStatus(RawPdu resp) {
        return Bhs.u16(resp.bhs(), 36);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
