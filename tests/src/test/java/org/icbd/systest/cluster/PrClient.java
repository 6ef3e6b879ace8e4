package org.icbd.systest.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.icbd.systest.IscsiSession;

/**
 * A minimal iSCSI initiator for persistent reservations, started inside the client's network
 * namespace by the cluster test. No tool installed here sends PERSISTENT RESERVE OUT over iSCSI
 * (sg_persist needs a kernel session; libiscsi's tools have no such command), so this one sends it
 * over an {@link IscsiSession}.
 *
 * <p>{@code PrClient HOST TARGET INITIATOR STEP...}, steps {@code register:KEY}, {@code reserve:KEY:TYPE},
 * {@code write} (one block at LBA 0), {@code read-reservation}; prints one line per step, e.g.
 * {@code register GOOD}, {@code write RESERVATION_CONFLICT}, {@code reservation key=0xaaaa type=1}.
 */
public final class PrClient {

    private final IscsiSession session;

    private PrClient(IscsiSession session) {
        this.session = session;
    }

    public static void main(String[] args) throws Exception {
        try (IscsiSession s = IscsiSession.login(new InetSocketAddress(args[0], 3260), args[2], args[1])) {
            PrClient c = new PrClient(s);
            for (int i = 3; i < args.length; i++) System.out.println(c.step(args[i]));
        }
    }

    private String step(String step) throws IOException {
        String[] f = step.split(":");
        return switch (f[0]) {
            case "register" -> "register " + describe(prout(0x06, 0, 0, Long.decode(f[1]))); // REGISTER AND IGNORE EXISTING KEY
            case "reserve" -> "reserve " + describe(prout(0x01, Integer.parseInt(f[2]), Long.decode(f[1]), 0));
            case "write" -> "write " + describe(command(new byte[] {0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0}, new byte[512], 512, false));
            case "read-reservation" -> {
                IscsiSession.Result r = command(new byte[] {0x5E, 0x01, 0, 0, 0, 0, 0, 0, 64, 0}, new byte[0], 64, true);
                if (r.status() != 0) yield "read-reservation " + describe(r);
                ByteBuffer b = ByteBuffer.wrap(r.data());
                int length = b.getInt(4);
                yield length < 16 ? "reservation none" : String.format("reservation key=0x%x type=%d", b.getLong(8), b.get(21) & 0x0F);
            }
            default -> throw new IllegalArgumentException("unknown step " + step);
        };
    }

    private IscsiSession.Result prout(int action, int type, long key, long serviceActionKey) throws IOException {
        ByteBuffer p = ByteBuffer.allocate(24).putLong(key).putLong(serviceActionKey);
        return command(new byte[] {0x5F, (byte) action, (byte) type, 0, 0, 0, 0, 0, 24, 0}, p.array(), 24, false);
    }

    /** What the cluster test matches: the status, and the sense key of a CHECK CONDITION. */
    private static String describe(IscsiSession.Result r) {
        return r.status() == 0x02 ? String.format("CHECK_CONDITION key=0x%x", r.senseKey()) : r.describe();
    }

    /** Runs a command, again while it gets a unit attention (a new session's first commands get POWER ON RESET). */
    private IscsiSession.Result command(byte[] cdb, byte[] dataOut, int expected, boolean reading) throws IOException {
        for (int attempt = 0; ; attempt++) {
            IscsiSession.Result r = session.command(0, cdb, dataOut, expected, reading);
            if (r.status() != 0x02 || r.senseKey() != 0x6 || attempt == 4) return r;
        }
    }
}
