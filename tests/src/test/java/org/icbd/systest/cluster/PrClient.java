package org.icbd.systest.cluster;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal iSCSI initiator for persistent reservations, started inside the client's network
 * namespace by the cluster test. No tool installed here sends PERSISTENT RESERVE OUT over iSCSI
 * (sg_persist needs a kernel session; libiscsi's tools have no such command), so this one speaks
 * just enough of RFC 7143: a login without authentication, SCSI commands with immediate data,
 * Data-In and SCSI Response.
 *
 * <p>{@code PrClient HOST TARGET INITIATOR STEP...}, steps {@code register:KEY}, {@code reserve:KEY:TYPE},
 * {@code write} (one block at LBA 0), {@code read-reservation}; prints one line per step, e.g.
 * {@code register GOOD}, {@code write RESERVATION_CONFLICT}, {@code reservation key=0xaaaa type=1}.
 */
public final class PrClient {

    private final DataInputStream in;
    private final OutputStream out;
    private int cmdSn = 1;
    private int expStatSn;
    private int itt = 1;

    private PrClient(Socket s) throws IOException {
        in = new DataInputStream(s.getInputStream());
        out = s.getOutputStream();
    }

    public static void main(String[] args) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(args[0], 3260), 5000);
            s.setSoTimeout(10_000);
            PrClient c = new PrClient(s);
            c.login(args[2], args[1]);
            for (int i = 3; i < args.length; i++) System.out.println(c.step(args[i]));
        }
    }

    private String step(String step) throws IOException {
        String[] f = step.split(":");
        return switch (f[0]) {
            case "register" -> "register " + prout(0x06, 0, 0, Long.decode(f[1])).describe(); // REGISTER AND IGNORE EXISTING KEY
            case "reserve" -> "reserve " + prout(0x01, Integer.parseInt(f[2]), Long.decode(f[1]), 0).describe();
            case "write" -> "write " + command(new byte[] {0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0}, new byte[512], 512, false).describe();
            case "read-reservation" -> {
                Result r = command(new byte[] {0x5E, 0x01, 0, 0, 0, 0, 0, 0, 64, 0}, new byte[0], 64, true);
                if (r.status != 0) yield "read-reservation " + r.describe();
                ByteBuffer b = ByteBuffer.wrap(r.data);
                int length = b.getInt(4);
                yield length < 16 ? "reservation none" : String.format("reservation key=0x%x type=%d", b.getLong(8), b.get(21) & 0x0F);
            }
            default -> throw new IllegalArgumentException("unknown step " + step);
        };
    }

    private Result prout(int action, int type, long key, long serviceActionKey) throws IOException {
        ByteBuffer p = ByteBuffer.allocate(24).putLong(key).putLong(serviceActionKey);
        return command(new byte[] {0x5F, (byte) action, (byte) type, 0, 0, 0, 0, 0, 24, 0}, p.array(), 24, false);
    }

    private record Result(int status, int senseKey, byte[] data) {
        String describe() {
            return switch (status) {
                case 0x00 -> "GOOD";
                case 0x18 -> "RESERVATION_CONFLICT";
                case 0x02 -> String.format("CHECK_CONDITION key=0x%x", senseKey);
                default -> String.format("status 0x%02x", status);
            };
        }
    }

    /** Runs a command, again while it gets a unit attention (a new session's first commands get POWER ON RESET). */
    private Result command(byte[] cdb, byte[] dataOut, int expected, boolean reading) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Result r = once(cdb, dataOut, expected, reading);
            if (r.status != 0x02 || r.senseKey != 0x6 || attempt == 4) return r;
        }
    }

    private Result once(byte[] cdb, byte[] dataOut, int expected, boolean reading) throws IOException {
        ByteBuffer bhs = ByteBuffer.allocate(48);
        bhs.put(0, (byte) 0x01).put(1, (byte) (0x80 | (reading ? 0x40 : 0) | (dataOut.length > 0 ? 0x20 : 0) | 1));
        bhs.putInt(4, dataOut.length); // TotalAHSLength 0, then 3 bytes of length
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
                    return new Result(h[3] & 0xFF, 0, concat(data));
                }
            } else if (opcode == 0x21) { // SCSI Response
                expStatSn = ByteBuffer.wrap(h).getInt(24) + 1;
                byte[] sense = pdu[1];
                // a 2-byte length, then the sense data: fixed format (0x70/0x71) or descriptor format (0x72/0x73)
                int key = sense.length < 5 ? 0 : (sense[2] & 0x7F) >= 0x72 ? sense[3] & 0x0F : sense[4] & 0x0F;
                return new Result(h[3] & 0xFF, key, concat(data));
            } else if (opcode != 0x20) { // NOP-In: a ping this short exchange can let pass
                throw new IOException(String.format("unexpected PDU, opcode 0x%02x", opcode));
            }
        }
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
}
