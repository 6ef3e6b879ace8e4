package org.icbd.failover;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticated framing of a replication connection: every frame is {@code length, data, mac} with
 * the mac an HMAC-SHA256 under the cluster secret over the receiver's nonce, the frame's sequence
 * number, its length and its data. So a frame altered, dropped, reordered or replayed from another
 * connection fails its mac before a byte of it reaches {@code btrfs receive}. A zero-length frame
 * ends the stream.
 */
final class FrameCodec {

    static final int NONCE_BYTES = 16;
    static final int MAX_FRAME = 1 << 20;
    private static final int MAC_BYTES = 32;

    private final Mac mac;
    private final byte[] nonce;
    private long sequence;

    FrameCodec(byte[] secret, byte[] nonce) {
        try {
            this.mac = Mac.getInstance("HmacSHA256");
            this.mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
        this.nonce = nonce.clone();
    }

    void write(DataOutputStream out, byte[] data, int off, int len) throws IOException {
        if (len > MAX_FRAME) throw new IllegalArgumentException("frame of " + len + " bytes exceeds " + MAX_FRAME);
        out.writeInt(len);
        out.write(data, off, len);
        out.write(macOf(data, off, len));
    }

    void writeEnd(DataOutputStream out) throws IOException {
        write(out, new byte[0], 0, 0);
        out.flush();
    }

    /** The next frame's data (empty at the end of the stream); IOException when it does not authenticate. */
    byte[] read(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > MAX_FRAME) throw new IOException("frame length " + len + " out of range (0 to " + MAX_FRAME + ")");
        byte[] data = new byte[len];
        in.readFully(data);
        byte[] got = new byte[MAC_BYTES];
        in.readFully(got);
        if (!MessageDigest.isEqual(got, macOf(data, 0, len))) {
            throw new IOException("frame " + (sequence - 1) + " failed authentication (wrong cluster secret, or altered in transit)");
        }
        return data;
    }

    /**
     * Skips frames, unchecked, up to and including the end frame: after a refusal mid-stream the
     * sender is still writing, and must get to read the reason. Gives up on a length out of range.
     */
    static void skipToEnd(DataInputStream in) throws IOException {
        byte[] scratch = new byte[64 << 10];
        while (true) {
            int len = in.readInt();
            if (len < 0 || len > MAX_FRAME) throw new IOException("frame length " + len + " out of range");
            long left = len + (long) MAC_BYTES;
            while (left > 0) {
                int n = (int) Math.min(left, scratch.length);
                in.readFully(scratch, 0, n);
                left -= n;
            }
            if (len == 0) return;
        }
    }

    private byte[] macOf(byte[] data, int off, int len) {
        mac.update(nonce);
        mac.update(ByteBuffer.allocate(12).putLong(sequence++).putInt(len).array());
        mac.update(data, off, len);
        return mac.doFinal();
    }

    /** The data of the frames that follow, as one stream ending at the end frame. */
    InputStream dataStream(DataInputStream in) {
        return new InputStream() {
            private byte[] current = new byte[0];
            private int pos;
            private boolean ended;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                while (pos == current.length) {
                    if (ended) return -1;
                    current = FrameCodec.this.read(in);
                    pos = 0;
                    if (current.length == 0) ended = true;
                }
                int n = Math.min(len, current.length - pos);
                System.arraycopy(current, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }
}
