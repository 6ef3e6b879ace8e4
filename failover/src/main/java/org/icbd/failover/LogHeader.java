package org.icbd.failover;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * The first frame of a write-log connection: the leader of {@code epoch} in {@code cluster} ({@code
 * node}) will send its writes; {@code ackNonce} keys the standby's acknowledgements, which are framed
 * and authenticated like the records (a forged acknowledgement would make the leader believe a write
 * is safe on a standby that never got it).
 */
public record LogHeader(String cluster, long epoch, String node, byte[] ackNonce) {

    /** The first int of the frame; a checkpoint stream's header starts with its own version (1). */
    static final int PROTOCOL = 2;

    public LogHeader {
        new ClusterPaths(cluster);
        ClusterPaths.nameProblem("node id", node).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        });
        if (epoch < 1) throw new IllegalArgumentException("epoch must be positive; got " + epoch);
        if (ackNonce.length != FrameCodec.NONCE_BYTES) throw new IllegalArgumentException("nonce of " + ackNonce.length + " bytes");
        ackNonce = ackNonce.clone();
    }

    byte[] encode() {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(b);
            out.writeInt(PROTOCOL);
            out.writeUTF(cluster);
            out.writeLong(epoch);
            out.writeUTF(node);
            out.write(ackNonce);
            return b.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e); // in memory
        }
    }

    /** True when {@code firstFrame} opens a write-log connection rather than a checkpoint stream. */
    static boolean opens(byte[] firstFrame) {
        return firstFrame.length >= 4 && ByteBuffer.wrap(firstFrame).getInt() == PROTOCOL;
    }

    static LogHeader decode(byte[] bytes) throws IOException {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            if (in.readInt() != PROTOCOL) throw new IOException("not a write-log header");
            String cluster = in.readUTF();
            long epoch = in.readLong();
            String node = in.readUTF();
            byte[] nonce = in.readNBytes(FrameCodec.NONCE_BYTES);
            if (in.available() != 0) throw new IOException("trailing bytes after the write-log header");
            return new LogHeader(cluster, epoch, node, nonce);
        } catch (EOFException | BufferUnderflowException e) {
            throw new IOException("truncated write-log header", e);
        } catch (IllegalArgumentException e) {
            throw new IOException("bad write-log header: " + e.getMessage(), e);
        }
    }
}
