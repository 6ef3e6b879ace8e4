package org.icbd.systest.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.icbd.systest.IscsiSession;

/**
 * One iSCSI session kept open inside a network namespace, driven line by line on stdin by a test in
 * the machine's own namespace (which cannot reach the lab's addresses): {@link IscsiSession}, which
 * shows every unit attention, run as its own JVM with {@code ip netns exec}. Between commands it
 * answers the target's pings, so the session outlives the test's waits.
 *
 * <p>Commands: {@code tur LUN}, {@code luns}, {@code write LUN LBA BYTE} (one 512-byte block of BYTE,
 * FUA: durable when GOOD), {@code read LUN LBA} (the block's first byte). Each prints one line:
 * {@code GOOD}, {@code CHECK_CONDITION key=.. asc=.. ascq=..}, {@code GOOD luns=0,1}, {@code GOOD byte=0x5a}.
 */
public final class IscsiProbe {

    private IscsiProbe() {
    }

    public static void main(String[] args) throws Exception {
        String[] portal = args[0].split(":");
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (IscsiSession s = IscsiSession.login(new InetSocketAddress(portal[0], Integer.parseInt(portal[1])), args[2], args[1])) {
            System.out.println("logged in");
            System.out.flush();
            while (true) {
                while (!commands.ready()) s.idle(100);
                String line = commands.readLine();
                if (line == null || line.isBlank()) return;
                System.out.println(run(s, line.strip().split("\\s+")));
                System.out.flush();
            }
        }
    }

    private static String run(IscsiSession s, String[] c) throws IOException {
        return switch (c[0]) {
            case "tur" -> s.command(Long.parseLong(c[1]), new byte[6], new byte[0], 0, false).describe();
            case "luns" -> {
                IscsiSession.Result r = s.command(0, new byte[] {(byte) 0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, new byte[0], 256, true);
                if (r.status() != 0) yield r.describe();
                ByteBuffer b = ByteBuffer.wrap(r.data());
                List<String> luns = new ArrayList<>();
                for (int i = 0; i < b.getInt(0) / 8; i++) luns.add(Integer.toString(b.getShort(8 + 8 * i) & 0x3FFF));
                yield "GOOD luns=" + String.join(",", luns);
            }
            case "write" -> {
                byte[] block = new byte[512];
                Arrays.fill(block, (byte) Integer.parseInt(c[3].replace("0x", ""), 16));
                yield s.command(Long.parseLong(c[1]), cdb10(0x2A, 0x08, Integer.parseInt(c[2])), block, 512, false).describe();
            }
            case "read" -> {
                IscsiSession.Result r = s.command(Long.parseLong(c[1]), cdb10(0x28, 0, Integer.parseInt(c[2])), new byte[0], 512, true);
                yield r.status() != 0 ? r.describe() : String.format("GOOD byte=0x%02x", r.data()[0] & 0xFF);
            }
            default -> "unknown command " + c[0];
        };
    }

    /** A READ(10) or WRITE(10) of one block at {@code lba}; {@code flags} in byte 1 (0x08: FUA). */
    private static byte[] cdb10(int opcode, int flags, int lba) {
        return new byte[] {(byte) opcode, (byte) flags, (byte) (lba >>> 24), (byte) (lba >>> 16), (byte) (lba >>> 8), (byte) lba, 0, 0, 1, 0};
    }
}
