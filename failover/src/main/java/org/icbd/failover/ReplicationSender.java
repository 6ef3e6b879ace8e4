package org.icbd.failover;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.icbd.btrfs.Btrfs;
import org.icbd.btrfs.SendStream;

/**
 * The leader's end of replication: streams {@code btrfs send [-p parent] snapshot} to a standby's
 * {@link ReplicationReceiver}, framed and authenticated, tagged with the leader's epoch.
 */
public final class ReplicationSender {

    private static final int CHUNK = 256 << 10;

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
                parent.map(p -> p.getFileName().toString())), snapshot, parent);
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
                parent.map(p -> p.getFileName().toString()), true), snapshot, parent);
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
                InputStream data = stream.stream();
                byte[] buf = new byte[CHUNK];
                int n;
                while ((n = data.readNBytes(buf, 0, CHUNK)) > 0) frames.write(out, buf, 0, n);
                stream.awaitSuccess();
            } catch (IOException e) {
                // the standby may have refused the stream midway and said why before closing
                String reply = null;
                try {
                    reply = in.readUTF();
                } catch (IOException ignored) {
                    // it did not; the standby discards a stream that ends without its end frame
                }
                if (reply != null && reply.startsWith("ERR ")) throw refused(standby, volume, header, reply);
                throw new IOException("streaming " + snapshot + " to " + standby + " failed: " + e.getMessage(), e);
            }
            frames.writeEnd(out);
            String reply = in.readUTF();
            if (reply.startsWith("OK ")) return UUID.fromString(reply.substring(3));
            throw refused(standby, volume, header, reply);
        }
    }

    private static IOException refused(InetSocketAddress standby, String volume, ReplicationHeader header, String reply) {
        return new IOException("standby " + standby + " refused " + volume + "/" + header.snapshot() + ": "
                + reply.replaceFirst("^ERR ", ""));
    }
}
