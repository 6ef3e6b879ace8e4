package org.icbd.failover;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.icbd.btrfs.Btrfs;
import org.icbd.btrfs.SendStream;
import org.icbd.btrfs.Subvolume;

/**
 * The leader's end of replication: streams {@code btrfs send [-p parent] snapshot} to a standby's
 * {@link ReplicationReceiver}, framed and authenticated, tagged with the leader's epoch.
 */
public final class ReplicationSender {

    private static final int CHUNK = 256 << 10;
    /** How long a standby that broke the stream off has to say why. */
    private static final int REASON_WAIT_MS = 5_000;

    private final String cluster;
    private final byte[] secret;
    private final Btrfs btrfs = new Btrfs();

    public ReplicationSender(String cluster, byte[] secret) {
        new ClusterPaths(cluster);
        this.cluster = cluster;
        this.secret = secret.clone();
    }

    /**
     * Sends read-only {@code snapshot} of {@code volume}, incremental against {@code parent} (which the
     * standby must hold), and returns the UUID of the subvolume the standby received.
     *
     * @throws IOException with the standby's reason when it refused the stream
     */
    public UUID send(InetSocketAddress standby, long epoch, String volume, Path snapshot, Optional<Path> parent) throws IOException {
        return send(standby, new ReplicationHeader(cluster, epoch, volume, snapshot.getFileName().toString(),
                parent.map(p -> p.getFileName().toString()), announced(snapshot)), snapshot, parent);
    }

    /**
     * Sends published version {@code version} of {@code image} ({@code snapshot}, read-only), incremental
     * against {@code parent} (an earlier version the standby holds, received from this cluster).
     *
     * @throws IOException with the standby's reason when it refused (one that holds a version of that
     *                     number already says "is already here")
     */
    public UUID sendVersion(InetSocketAddress standby, long epoch, String image, Path snapshot, Optional<Path> parent) throws IOException {
        return send(standby, new ReplicationHeader(cluster, epoch, image, snapshot.getFileName().toString(),
                parent.map(p -> p.getFileName().toString()), true, announced(snapshot)), snapshot, parent);
    }

    /**
     * The uuid {@code btrfs send} puts into the stream of {@code snapshot}, which the received copy keeps as its
     * received uuid: the snapshot's own received uuid when it was itself received (a version passed on), else its uuid.
     */
    private UUID announced(Path snapshot) throws IOException {
        Subvolume s = btrfs.show(snapshot);
        return s.receivedUuid().orElse(s.uuid());
    }

    private UUID send(InetSocketAddress standby, ReplicationHeader header, Path snapshot, Optional<Path> parent) throws IOException {
        String volume = header.volume();
        try (Socket s = new Socket()) {
            s.connect(standby, 10_000);
            s.setSoTimeout(120_000);
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
            byte[] nonce = new byte[FrameCodec.NONCE_BYTES];
            in.readFully(nonce);
            FrameCodec frames = new FrameCodec(secret, nonce);
            byte[] h = header.encode();
            frames.write(out, h, 0, h.length);
            out.flush();
            String go = in.readUTF();
            if (!go.equals("GO")) throw refused(standby, volume, header, go);
            try (SendStream stream = btrfs.send(snapshot, parent, List.of())) {
                forward(stream, frames, s, in, out, standby, header);
            }
            frames.writeEnd(out);
            String reply = in.readUTF();
            if (reply.startsWith("OK ")) return UUID.fromString(reply.substring(3));
            throw refused(standby, volume, header, reply);
        }
    }

    /**
     * Streams {@code btrfs send}'s output to the standby. A failure on this side (btrfs send failed, or
     * this thread was interrupted: the node stops serving) ends the connection without waiting for a
     * reply: the standby, still waiting for data, would never send one, and it discards a stream that
     * ends without its end frame. A failure writing to the standby may be its refusal midway: its
     * reason is read, briefly.
     */
    private static void forward(SendStream stream, FrameCodec frames, Socket s, DataInputStream in, DataOutputStream out,
                                InetSocketAddress standby, ReplicationHeader header) throws IOException {
        InputStream data = stream.stream();
        byte[] buf = new byte[CHUNK];
        int n;
        while ((n = data.readNBytes(buf, 0, CHUNK)) > 0) {
            // reading a pipe and writing a socket ignore interrupts: look between chunks
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("sending " + header.snapshot() + " to " + standby + " interrupted");
            }
            try {
                frames.write(out, buf, 0, n);
            } catch (IOException e) {
                String reply = null;
                try {
                    s.setSoTimeout(REASON_WAIT_MS);
                    reply = in.readUTF();
                } catch (IOException ignored) {
                    // it said nothing: the connection broke
                }
                if (reply != null && reply.startsWith("ERR ")) throw refused(standby, header.volume(), header, reply);
                throw new IOException("streaming " + header.snapshot() + " to " + standby + " failed: " + e.getMessage(), e);
            }
        }
        stream.awaitSuccess();
    }

    /** Whether a send failed because the standby could not be reached or stopped answering (not a refusal). */
    public static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static IOException refused(InetSocketAddress standby, String volume, ReplicationHeader header, String reply) {
        return new IOException("standby " + standby + " refused " + volume + "/" + header.snapshot() + ": "
                + reply.replaceFirst("^ERR ", ""));
    }
}
