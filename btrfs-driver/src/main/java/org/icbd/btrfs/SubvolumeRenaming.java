package org.icbd.btrfs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A send stream whose subvolume is received under another name: the stream's first command (SUBVOL for
 * a full stream, SNAPSHOT for an incremental one) names the subvolume {@code btrfs receive} creates, in
 * its PATH attribute; this rewrites that attribute and the command's checksum, and passes everything
 * else through untouched. The received subvolume is otherwise the same (same received uuid, same parent).
 *
 * <p>It lets a receiver create a subvolume under a temporary name and rename it in place once complete:
 * the kernel lets no read-only subvolume move to another directory, so receiving it elsewhere and moving
 * it in afterwards is not possible.
 */
final class SubvolumeRenaming extends InputStream {

    private static final int CMD_SUBVOL = 1;
    private static final int CMD_SNAPSHOT = 2;
    private static final int ATTR_PATH = 15;
    private static final int MAX_FIRST_COMMAND = 1 << 16;
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
            TABLE[i] = c;
        }
    }

    private final InputStream in;
    private final String name;
    private byte[] head;
    private int headPos;

    SubvolumeRenaming(InputStream in, String name) {
        this.in = in;
        this.name = name;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (head == null) head = rewrittenHead();
        if (headPos < head.length) {
            int n = Math.min(len, head.length - headPos);
            System.arraycopy(head, headPos, b, off, n);
            headPos += n;
            return n;
        }
        return in.read(b, off, len);
    }

    /** The stream header and the first command, renamed. */
    private byte[] rewrittenHead() throws IOException {
        byte[] header = readFully(SendStreamFraming.STREAM_HEADER, "stream header");
        if (!Arrays.equals(header, 0, SendStreamFraming.MAGIC.length, SendStreamFraming.MAGIC, 0, SendStreamFraming.MAGIC.length)) {
            throw new IOException("not a btrfs send stream (bad magic)");
        }
        byte[] cmdHeader = readFully(SendStreamFraming.COMMAND_HEADER, "first command");
        ByteBuffer h = ByteBuffer.wrap(cmdHeader).order(ByteOrder.LITTLE_ENDIAN);
        int length = h.getInt(0);
        int cmd = h.getShort(4) & 0xffff;
        int crc = h.getInt(6);
        if (cmd != CMD_SUBVOL && cmd != CMD_SNAPSHOT) throw new IOException("the stream does not start with a subvolume (command " + cmd + ")");
        if (length < 0 || length > MAX_FIRST_COMMAND) throw new IOException("first command of " + length + " bytes");
        byte[] payload = readFully(length, "first command");
        h.putInt(6, 0);
        if (crc32c(crc32c(0, cmdHeader, cmdHeader.length), payload, payload.length) != crc) {
            throw new IOException("the stream's first command fails its checksum");
        }
        ByteArrayOutputStream renamed = new ByteArrayOutputStream();
        ByteBuffer p = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        boolean found = false;
        while (p.remaining() >= 4) {
            int type = p.getShort() & 0xffff;
            int len = p.getShort() & 0xffff;
            if (len > p.remaining()) throw new IOException("truncated attribute in the first command");
            byte[] value = new byte[len];
            p.get(value);
            if (type == ATTR_PATH) {
                value = name.getBytes(StandardCharsets.UTF_8);
                found = true;
            }
            renamed.write(le16(type));
            renamed.write(le16(value.length));
            renamed.write(value);
        }
        if (p.hasRemaining() || !found) throw new IOException("the stream's first command names no subvolume");
        byte[] newPayload = renamed.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(header.length + cmdHeader.length + newPayload.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(header);
        int at = out.position();
        out.putInt(newPayload.length).putShort((short) cmd).putInt(0).put(newPayload);
        byte[] all = out.array();
        int newCrc = crc32c(0, all, at, all.length - at);
        out.putInt(at + 6, newCrc);
        return all;
    }

    private byte[] readFully(int n, String what) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) throw new IOException("stream truncated in its " + what);
        return b;
    }

    private static byte[] le16(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8)};
    }

    /** CRC-32C as btrfs computes a send command's: from {@code seed}, without the usual inversions. */
    static int crc32c(int seed, byte[] b, int len) {
        return crc32c(seed, b, 0, len);
    }

    static int crc32c(int seed, byte[] b, int off, int len) {
        int c = seed;
        for (int i = off; i < off + len; i++) c = TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
        return c;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
