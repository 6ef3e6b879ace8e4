package org.icbd.systest;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A minimal iSCSI initiator that keeps one session open and shows every status and sense byte: no
 * tool installed here does both (qemu-io retries unit attentions unseen; libiscsi's tools log in per
 * command). It speaks just enough of RFC 7143: a login without authentication or negotiation, SCSI
 * commands with immediate data, Data-In, SCSI Response, and answers to the target's NOP-In pings.
 */
public final class IscsiSession implements AutoCloseable {

    /** One command's outcome: its status, its sense data (fixed or descriptor format), its Data-In. */
    public record Result(int status, byte[] sense, byte[] data) {
        public int senseKey() {
            if (sense.length < 3) return 0;
            return descriptorFormat() ? sense[1] & 0x0F : sense[2] & 0x0F;
        }

        public int asc() {
            return sense.length < 14 ? 0 : (sense[descriptorFormat() ? 2 : 12] & 0xFF);
        }

        public int ascq() {
            return sense.length < 14 ? 0 : (sense[descriptorFormat() ? 3 : 13] & 0xFF);
        }

        private boolean descriptorFormat() {
            return (sense[0] & 0x7F) >= 0x72;
        }

        public String describe() {
            return switch (status) {
                case 0x00 -> "GOOD";
                case 0x18 -> "RESERVATION_CONFLICT";
                case 0x02 -> String.format("CHECK_CONDITION key=0x%x asc=0x%02x ascq=0x%02x", senseKey(), asc(), ascq());
                default -> String.format("status 0x%02x", status);
            };
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int cmdSn = 1;
    private int expStatSn;
    private int itt = 1;

    private IscsiSession(Socket socket) throws IOException {
        this.socket = socket;
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Logs {@code initiator} in to {@code target} at {@code portal}. */
    public static IscsiSession login(InetSocketAddress portal, String initiator, String target) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(portal, 5000);
            s.setSoTimeout(30_000);
            IscsiSession session = new IscsiSession(s);
            session.login(initiator, target);
            return session;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Runs one command on {@code lun}; a unit attention is handed back like any other answer. */
    public Result command(long lun, byte[] cdb, byte[] dataOut, int expected, boolean reading) throws IOException {
        ByteBuffer bhs = ByteBuffer.allocate(48);
        bhs.put(0, (byte) 0x01).put(1, (byte) (0x80 | (reading ? 0x40 : 0) | (dataOut.length > 0 ? 0x20 : 0) | 1));
        bhs.putInt(4, dataOut.length); // TotalAHSLength 0, then 3 bytes of length
        bhs.putShort(8, (short) (lun < 256 ? lun : 0x4000 | lun)); // peripheral below 256, flat space above
        bhs.putInt(16, itt++).putInt(20, expected).putInt(24, cmdSn++).putInt(28, expStatSn);
        bhs.put(32, cdb);
        send(bhs.array(), dataOut);
        List<byte[]> data = new ArrayList<>();
        while (true) {
            byte[][] pdu = read();
            byte[] h = pdu[0];
            int opcode = h[0] & 0x3F;
            if (opcode == 0x25) { // Data-In
                data.add(pdu[1]);
                if ((h[1] & 0x01) != 0) {
                    expStatSn = ByteBuffer.wrap(h).getInt(24) + 1;
                    return new Result(h[3] & 0xFF, new byte[0], concat(data));
                }
            } else if (opcode == 0x21) { // SCSI Response
                expStatSn = ByteBuffer.wrap(h).getInt(24) + 1;
                byte[] seg = pdu[1];
                byte[] sense = seg.length < 2 ? new byte[0] : Arrays.copyOfRange(seg, 2, 2 + ((seg[0] & 0xFF) << 8 | seg[1] & 0xFF));
                return new Result(h[3] & 0xFF, sense, concat(data));
            } else if (opcode == 0x20) { // NOP-In
                answerPing(h);
            } else {
                throw new IOException(String.format("unexpected PDU, opcode 0x%02x", opcode));
            }
        }
    }

    /**
     * Answers the target's pings for about {@code millis} while no command runs: a session left idle
     * that long stays up. Reads only whole PDUs that have arrived, so the stream stays in step.
     */
    public void idle(long millis) throws IOException, InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            if (in.available() < 48) {
                Thread.sleep(20);
                continue;
            }
            byte[][] pdu = read();
            if ((pdu[0][0] & 0x3F) != 0x20) throw new IOException(String.format("unexpected PDU while idle, opcode 0x%02x", pdu[0][0] & 0x3F));
            answerPing(pdu[0]);
        }
    }

    /** A NOP-In that asks for an answer (a target transfer tag other than 0xffffffff) gets a NOP-Out. */
    private void answerPing(byte[] nopIn) throws IOException {
        int ttt = ByteBuffer.wrap(nopIn).getInt(20);
        if (ttt == 0xFFFFFFFF) return;
        ByteBuffer bhs = ByteBuffer.allocate(48);
        bhs.put(0, (byte) 0x40).put(1, (byte) 0x80);
        bhs.putInt(16, 0xFFFFFFFF).putInt(20, ttt).putInt(24, cmdSn).putInt(28, expStatSn);
        send(bhs.array(), new byte[0]);
    }

    private void login(String initiator, String target) throws IOException {
        String keys = "InitiatorName=" + initiator + "\0TargetName=" + target + "\0SessionType=Normal\0AuthMethod=None\0";
        byte[] data = keys.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bhs = ByteBuffer.allocate(48);
        bhs.put(0, (byte) 0x43).put(1, (byte) 0x83); // immediate login; transit from security to full feature phase
        bhs.putInt(4, data.length);
        bhs.put(8, new byte[] {0x40, 0, 0x01, 0x37, 0, (byte) (initiator.hashCode() & 0x7F)});
        bhs.putInt(16, itt++).putInt(24, cmdSn);
        send(bhs.array(), data);
        byte[][] resp = read();
        if ((resp[0][0] & 0x3F) != 0x23 || resp[0][36] != 0) {
            throw new IOException("login refused: status class " + resp[0][36] + " detail " + resp[0][37]);
        }
        expStatSn = ByteBuffer.wrap(resp[0]).getInt(24) + 1;
    }

    private void send(byte[] bhs, byte[] data) throws IOException {
        out.write(bhs);
        out.write(data);
        out.write(new byte[(4 - data.length % 4) % 4]);
        out.flush();
    }

    /** One PDU: its BHS and its data segment (no digests, no AHS in what a target sends). */
    private byte[][] read() throws IOException {
        byte[] bhs = new byte[48];
        in.readFully(bhs);
        int length = ByteBuffer.wrap(bhs).getInt(4) & 0xFFFFFF;
        byte[] data = new byte[length];
        in.readFully(data);
        in.skipNBytes((4 - length % 4) % 4);
        return new byte[][] {bhs, data};
    }

    private static byte[] concat(List<byte[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        ByteBuffer b = ByteBuffer.allocate(n);
        parts.forEach(b::put);
        return b.array();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
