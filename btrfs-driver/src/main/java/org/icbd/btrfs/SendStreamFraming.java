package org.icbd.btrfs;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Follows the framing of a btrfs send stream as it passes through, to know whether it ended properly.
 * {@code btrfs receive} cannot tell a stream cut at a command boundary from a complete one, so the receiver
 * checks for the END command itself. Layout: "btrfs-stream\0", u32 version, then commands of
 * {u32 payload length, u16 command, u32 crc} + payload, all little endian; END is command 21 in every version.
 */
final class SendStreamFraming {
    static final byte[] MAGIC = "btrfs-stream\0".getBytes(StandardCharsets.US_ASCII);
    static final int STREAM_HEADER = MAGIC.length + 4;
    static final int COMMAND_HEADER = 10;
    static final int CMD_END = 21;

    private final byte[] header = new byte[STREAM_HEADER];
    private int headerFill;
    private boolean streamHeaderDone;
    private long payloadLeft;
    private boolean ended;
    private long bytes;
    private long commands;

    /**
     * Consumes up to {@code len} bytes and returns how many belong to the stream: all of them, or fewer when
     * the END command finishes inside this chunk (what follows belongs to someone else).
     */
    int accept(byte[] b, int off, int len) {
        int i = 0;
        while (i < len && !ended) {
            if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, len - i);
                payloadLeft -= n;
                i += n;
                continue;
            }
            int want = streamHeaderDone ? COMMAND_HEADER : STREAM_HEADER;
            int n = Math.min(want - headerFill, len - i);
            System.arraycopy(b, off + i, header, headerFill, n);
            headerFill += n;
            i += n;
            if (headerFill < want) break;
            headerFill = 0;
            if (!streamHeaderDone) {
                if (!Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                    throw new IllegalArgumentException("not a btrfs send stream (bad magic)");
                }
                streamHeaderDone = true;
            } else {
                payloadLeft = u32(0);
                int cmd = (header[4] & 0xff) | (header[5] & 0xff) << 8;
                commands++;
                if (cmd == CMD_END && payloadLeft == 0) ended = true;
            }
        }
        bytes += i;
        return i;
    }

    /** The END command has been seen: the stream is complete. */
    boolean ended() { return ended; }
    long bytes() { return bytes; }
    long commands() { return commands; }

    private long u32(int at) {
        return (header[at] & 0xffL) | (header[at + 1] & 0xffL) << 8 | (header[at + 2] & 0xffL) << 16
                | (header[at + 3] & 0xffL) << 24;
    }
}
