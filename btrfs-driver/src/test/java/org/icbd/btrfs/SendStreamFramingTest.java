package org.icbd.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;

import org.junit.jupiter.api.Test;

class SendStreamFramingTest {

    /** header, SUBVOL with 20 payload bytes, WRITE with 70000 payload bytes, END, then 5 foreign bytes. */
    private static byte[] stream() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(SendStreamFraming.MAGIC);
        b.writeBytes(le32(1));
        command(b, 1, 20);
        command(b, 15, 70000);
        command(b, SendStreamFraming.CMD_END, 0);
        b.writeBytes(new byte[] {1, 2, 3, 4, 5});
        return b.toByteArray();
    }

    private static void command(ByteArrayOutputStream b, int cmd, int len) {
        b.writeBytes(le32(len));
        b.write(cmd & 0xff);
        b.write(cmd >> 8);
        b.writeBytes(le32(0xdeadbeef));
        b.writeBytes(new byte[len]);
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    @Test
    void stopsExactlyAfterTheEndCommand() {
        byte[] s = stream();
        SendStreamFraming f = new SendStreamFraming();
        int took = f.accept(s, 0, s.length);
        assertEquals(s.length - 5, took);
        assertTrue(f.ended());
        assertEquals(3, f.commands());
    }

    @Test
    void sameAnswerWhenFedOneByteAtATime() {
        byte[] s = stream();
        SendStreamFraming f = new SendStreamFraming();
        int took = 0;
        for (int i = 0; i < s.length && !f.ended(); i++) took += f.accept(s, i, 1);
        assertEquals(s.length - 5, took);
        assertTrue(f.ended());
    }

    @Test
    void aStreamCutAtACommandBoundaryHasNotEnded() {
        byte[] s = stream();
        SendStreamFraming f = new SendStreamFraming();
        int cut = s.length - 5 - SendStreamFraming.COMMAND_HEADER; // everything but the END command
        assertEquals(cut, f.accept(s, 0, cut));
        assertFalse(f.ended());
    }

    @Test
    void rejectsWhatIsNotASendStream() {
        byte[] junk = "definitely-not-a-stream".getBytes();
        assertThrows(IllegalArgumentException.class, () -> new SendStreamFraming().accept(junk, 0, junk.length));
    }
}
