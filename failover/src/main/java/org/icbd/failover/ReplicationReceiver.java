package org.icbd.failover;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.icbd.btrfs.Btrfs;
import org.icbd.btrfs.Subvolume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standby's end of replication: accepts authenticated checkpoint streams and {@code btrfs receive}s
 * them into {@code <replicas>/<volume>/}. Refuses a stream from an older epoch than the cluster's (or
 * than any it has accepted), from another cluster, or one that fails authentication anywhere; a refused
 * or broken stream leaves no subvolume behind. Replies {@code OK <uuid of the received subvolume>} or
 * {@code ERR <why>}.
 */
public final class ReplicationReceiver implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(ReplicationReceiver.class);
    private static final Duration IDLE = Duration.ofSeconds(30);

    private final String cluster;
    private final byte[] secret;
    private final Path replicas;
    private final LongSupplier clusterEpoch;
    private final Btrfs btrfs = new Btrfs();
    private final AtomicLong highestEpoch = new AtomicLong();
    private final SecureRandom random = new SecureRandom();
    private final ServerSocket server;

    /**
     * @param clusterEpoch the cluster's current epoch as ZooKeeper has it (streams from before it are refused)
     */
    public ReplicationReceiver(String cluster, byte[] secret, Path replicas, LongSupplier clusterEpoch,
                               InetSocketAddress listen) throws IOException {
        new ClusterPaths(cluster);
        if (secret.length < 16) throw new IllegalArgumentException("the cluster secret must have at least 16 bytes");
        this.cluster = cluster;
        this.secret = secret.clone();
        this.replicas = replicas;
        this.clusterEpoch = clusterEpoch;
        Files.createDirectories(replicas);
        this.server = new ServerSocket();
        server.bind(listen);
        Thread.ofVirtual().name("icbd-replication-accept").start(this::acceptLoop);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().name("icbd-replication-" + s.getRemoteSocketAddress()).start(() -> serve(s));
            } catch (IOException e) {
                if (!server.isClosed()) log.warn("replication accept failed: {}", e.toString());
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout((int) IDLE.toMillis());
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            byte[] nonce = new byte[FrameCodec.NONCE_BYTES];
            random.nextBytes(nonce);
            out.write(nonce);
            out.flush();
            FrameCodec frames = new FrameCodec(secret, nonce);
            String reply;
            boolean[] streaming = {false};
            try {
                reply = "OK " + receive(frames, in, out, streaming);
            } catch (IOException | RuntimeException e) {
                reply = "ERR " + e.getMessage();
                log.warn("replication from {} refused: {}", s.getRemoteSocketAddress(), e.getMessage());
                // mid-stream, let the sender finish writing, so it reads why rather than a broken pipe
                if (streaming[0]) {
                    try {
                        FrameCodec.skipToEnd(in);
                    } catch (IOException gaveUp) {
                        // the sender will see the connection close instead of the reason
                    }
                }
            }
            out.writeUTF(reply);
            out.flush();
        } catch (IOException e) {
            log.warn("replication connection from {} failed: {}", s.getRemoteSocketAddress(), e.toString());
        }
    }

    private String receive(FrameCodec frames, DataInputStream in, DataOutputStream out, boolean[] streaming) throws IOException {
        ReplicationHeader h = ReplicationHeader.decode(frames.read(in));
        if (!h.cluster().equals(cluster)) throw new IOException("stream is for cluster " + h.cluster() + ", this is " + cluster);
        long floor = Math.max(highestEpoch.get(), clusterEpoch.getAsLong());
        if (h.epoch() < floor) {
            throw new IOException("epoch " + h.epoch() + " is older than " + floor + ": a deposed leader's stream is refused");
        }
        Path dir = replicas.resolve(h.volume());
        Files.createDirectories(dir);
        if (Files.exists(dir.resolve(h.snapshot()))) throw new IOException(h.volume() + "/" + h.snapshot() + " is already here");
        // the header is acceptable: tell the sender to stream (a refusal above saves it sending the data)
        out.writeUTF("GO");
        out.flush();
        streaming[0] = true;
        InputStream data = frames.dataStream(in);
        Subvolume got = btrfs.receive(data, dir);
        try {
            if (data.read() != -1) throw new IOException("data after the end of the send stream");
            if (!got.path().getFileName().toString().equals(h.snapshot())) {
                throw new IOException("stream holds " + got.path().getFileName() + ", the header says " + h.snapshot());
            }
        } catch (IOException | RuntimeException e) {
            btrfs.deleteSubvolume(got.path());
            throw e;
        }
        highestEpoch.accumulateAndGet(h.epoch(), Math::max);
        pruneOlder(dir, h.volume(), got.path());
        log.info("received {}/{} (epoch {}, {})", h.volume(), h.snapshot(), h.epoch(),
                h.parent().map(p -> "incremental on " + p).orElse("full"));
        return got.uuid().toString();
    }

    /**
     * Deletes the volume's checkpoints older than {@code newest}: the leader sends the next one against
     * the newest it was acknowledged, and a promotion starts from the newest, so older ones only take
     * space (one every interval). A failure here costs space, never data.
     */
    private void pruneOlder(Path dir, String volume, Path newest) {
        long[] mine = CheckpointName.parse(volume, newest.getFileName().toString()).orElse(null);
        if (mine == null) return;
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                long[] other = CheckpointName.parse(volume, p.getFileName().toString()).orElse(null);
                if (other != null && CheckpointName.ORDER.compare(other, mine) < 0) btrfs.deleteSubvolume(p);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not prune old checkpoints of {}: {}", volume, e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
