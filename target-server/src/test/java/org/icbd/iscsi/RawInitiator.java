package org.icbd.iscsi;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
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
        socket = new Socket();
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
        } catch (EOFException | java.net.SocketException e) {
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
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("InitiatorName", initiator);
        keys.put("TargetName", target);
        keys.put("SessionType", "Normal");
        keys.put("AuthMethod", "None");
        send(loginPdu(isid, 0, 3, true, cmdSn, keys));
        return read();
    }

    static int loginStatus(RawPdu resp) {
        return Bhs.u16(resp.bhs(), 36);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
