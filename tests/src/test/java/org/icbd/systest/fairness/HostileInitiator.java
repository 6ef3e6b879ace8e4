package org.icbd.systest.fairness;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An initiator that misbehaves on purpose, byte by byte: it logs in like any other, then either
 * never reads its socket while it asks for 256 KiB ping replies, or opens writes whose Data-Out
 * it never sends. Real initiators cannot be made to do either.
 */
final class HostileInitiator implements AutoCloseable {

    private static final int MAX_PING = 256 * 1024;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int cmdSn = 1;

    HostileInitiator(String host, int port, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) socket.setReceiveBufferSize(receiveBuffer);
        socket.connect(new InetSocketAddress(host, port), 5000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Security and operational stage in one request (AuthMethod=None), straight to full feature phase. */
    void login(String initiator, String target, int isid) throws IOException {
        String keys = "InitiatorName=" + initiator + "\0TargetName=" + target + "\0SessionType=Normal\0AuthMethod=None\0"
                + "MaxRecvDataSegmentLength=" + MAX_PING + "\0ImmediateData=Yes\0InitialR2T=Yes\0";
        byte[] bhs = new byte[48];
        bhs[0] = 0x43;
        bhs[1] = (byte) 0x83;  // transit, security stage -> full feature phase
        bhs[8] = 0x40;
        bhs[13] = (byte) isid;
        ByteBuffer.wrap(bhs).putInt(24, cmdSn);
        send(bhs, keys.getBytes(StandardCharsets.UTF_8));
        byte[] resp = readPdu();
        int status = ((resp[36] & 0xFF) << 8) | (resp[37] & 0xFF);
        if (resp[0] != 0x23 || status != 0) throw new IOException("login refused: status 0x" + Integer.toHexString(status));
    }

    /** An immediate NOP-Out with 256 KiB of ping data: the target must echo it, outside the command window. */
    void ping(int itt) throws IOException {
        byte[] bhs = new byte[48];
        bhs[0] = 0x40;
        bhs[1] = (byte) 0x80;
        ByteBuffer.wrap(bhs).putInt(16, itt).putInt(20, -1).putInt(24, cmdSn);
        send(bhs, new byte[MAX_PING]);
    }

    /** WRITE(10) of {@code bytes} at block 0 whose data will never be sent. */
    void writeWithoutData(int itt, int bytes) throws IOException {
        byte[] bhs = new byte[48];
        bhs[0] = 0x01;
        bhs[1] = (byte) 0xA1;  // final, write, simple
        ByteBuffer b = ByteBuffer.wrap(bhs);
        b.putInt(16, itt).putInt(20, bytes).putInt(24, cmdSn++);
        bhs[32] = 0x2A;
        int blocks = bytes / 512;
        bhs[32 + 7] = (byte) (blocks >>> 8);
        bhs[32 + 8] = (byte) blocks;
        send(bhs, new byte[0]);
    }

    /** Reads and drops one PDU; returns its opcode. */
    int skipPdu() throws IOException {
        return readPdu()[0] & 0x3F;
    }

    private void send(byte[] bhs, byte[] data) throws IOException {
        bhs[5] = (byte) (data.length >>> 16);
        bhs[6] = (byte) (data.length >>> 8);
        bhs[7] = (byte) data.length;
        byte[] wire = new byte[48 + data.length + (-data.length & 3)];
        System.arraycopy(bhs, 0, wire, 0, 48);
        System.arraycopy(data, 0, wire, 48, data.length);
        out.write(wire);
        out.flush();
    }

    private byte[] readPdu() throws IOException {
        byte[] bhs = new byte[48];
        in.readFully(bhs);
        int len = ((bhs[5] & 0xFF) << 16) | ((bhs[6] & 0xFF) << 8) | (bhs[7] & 0xFF);
        in.skipNBytes((bhs[4] & 0xFF) * 4L + len + (-len & 3));
        return bhs;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
