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
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.icbd.btrfs.Btrfs;
import org.icbd.btrfs.Subvolume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standby's end of replication: accepts authenticated checkpoint streams and {@code btrfs receive}s
 * them into {@code <replicas>/<volume>/}, under their names only once complete. Refuses a stream from an older epoch than the cluster's (or
 * than any it has accepted), from another cluster, or one that fails authentication anywhere; a refused
 * or broken stream leaves no subvolume behind. Replies {@code OK <uuid of the received subvolume>} or
 * {@code ERR <why>}.
 */
public final class ReplicationReceiver implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(ReplicationReceiver.class);
    private static final Duration IDLE = Duration.ofSeconds(30);
    /** What a subvolume is called while it is received: never a checkpoint's or a version's name. */
    static final String PARTIAL = ".partial";

    private final String cluster;
    private final byte[] secret;
    private final Path replicas;
    private final Path images;
    private final LongSupplier clusterEpoch;
    private final Btrfs btrfs = new Btrfs();
    private final AtomicLong highestEpoch = new AtomicLong();
    private final SecureRandom random = new SecureRandom();
    private final ServerSocket server;
    private final LogStore logs;
    private final SpaceAlarm space;
    /** The write-log connection being followed, if any. */
    private Socket logConnection;

    /**
     * @param clusterEpoch the cluster's current epoch as ZooKeeper has it (streams from before it are refused)
     */
    public ReplicationReceiver(String cluster, byte[] secret, Path replicas, LongSupplier clusterEpoch,
                               InetSocketAddress listen) throws IOException {
        this(cluster, secret, replicas, replicas.resolveSibling("writelog"), clusterEpoch, listen);
    }

    /** @param logs where the leader's write log is kept ({@link LogStore}) */
    public ReplicationReceiver(String cluster, byte[] secret, Path replicas, Path logs, LongSupplier clusterEpoch,
                               InetSocketAddress listen) throws IOException {
        this(cluster, secret, replicas, logs, replicas.resolveSibling("images"), clusterEpoch, listen);
    }

    /**
     * @param images where published versions go ({@code <images>/<image>/versions/<n>}, the data root's layout)
     */
    public ReplicationReceiver(String cluster, byte[] secret, Path replicas, Path logs, Path images, LongSupplier clusterEpoch,
                               InetSocketAddress listen) throws IOException {
        new ClusterPaths(cluster);
        if (secret.length < 16) throw new IllegalArgumentException("the cluster secret must have at least 16 bytes");
        this.cluster = cluster;
        this.secret = secret.clone();
        this.replicas = replicas;
        this.images = images;
        this.clusterEpoch = clusterEpoch;
        Files.createDirectories(replicas);
        this.space = new SpaceAlarm(replicas.getParent() == null ? replicas.toString() : replicas.getParent().toString());
        discardIncomplete();
        this.logs = new LogStore(logs, replicas);
        this.server = new ServerSocket();
        server.bind(listen);
        Thread.ofVirtual().name("icbd-replication-accept").start(this::acceptLoop);
    }

    /** Whether this standby cannot receive for lack of space, and why. */
    public SpaceAlarm space() {
        return space;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofPlatform().daemon().name("icbd-replication-" + s.getRemoteSocketAddress()).start(() -> serve(s));
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
                byte[] first = frames.read(in);
                if (LogHeader.opens(first)) {
                    followLog(s, LogHeader.decode(first), frames, in, out);
                    return;
                }
                reply = "OK " + receive(ReplicationHeader.decode(first), frames, in, out, streaming);
                space.succeeded();
            } catch (IOException | RuntimeException e) {
                space.failed(e);
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

    /** Refuses a stream for another cluster, or from a leader older than the newest this node knows of. */
    private void admit(String streamCluster, long epoch) throws IOException {
        if (!streamCluster.equals(cluster)) throw new IOException("stream is for cluster " + streamCluster + ", this is " + cluster);
        long floor = Math.max(highestEpoch.get(), clusterEpoch.getAsLong());
        if (epoch < floor) {
            throw new IOException("epoch " + epoch + " is older than " + floor + ": a deposed leader's stream is refused");
        }
    }

    /**
     * Follows a leader's write log until the connection ends. The newest connection wins: it starts a
     * new chain in the store, and an older one still open is cut off (its leader has taken this node
     * out of sync already, or is deposed).
     */
    private void followLog(Socket s, LogHeader h, FrameCodec frames, DataInputStream in, DataOutputStream out) throws IOException {
        try {
            admit(h.cluster(), h.epoch());
        } catch (IOException e) {
            log.warn("write log from {} refused: {}", s.getRemoteSocketAddress(), e.getMessage());
            out.writeUTF("ERR " + e.getMessage());
            out.flush();
            return;
        }
        long chain;
        synchronized (this) {
            if (logConnection != null) logConnection.close();
            logConnection = s;
            chain = logs.reset();
        }
        s.setSoTimeout(0);
        s.setTcpNoDelay(true);
        out.writeUTF("GO");
        out.flush();
        log.info("following the write log of {} (epoch {})", h.node(), h.epoch());
        FrameCodec acks = new FrameCodec(secret, h.ackNonce());
        long seq = 0;
        boolean sync = false;
        try {
            while (true) {
                byte[] f = frames.read(in);
                if (f.length == 0) return;
                LogRecord r = LogRecord.decode(f);
                logs.append(chain, r, f);
                seq++;
                sync |= r.needsSync();
                if (in.available() == 0) { // acknowledge once per burst: one sync and one reply for many records
                    if (sync) logs.sync();
                    sync = false;
                    byte[] a = ByteBuffer.allocate(8).putLong(seq).array();
                    acks.write(out, a, 0, a.length);
                    out.flush();
                }
            }
        } catch (IOException e) {
            space.failed(e);
            if (!s.isClosed()) log.warn("write log of {} (epoch {}) ended: {}", h.node(), h.epoch(), e.getMessage());
        } finally {
            synchronized (this) {
                if (logConnection == s) logConnection = null;
            }
        }
    }

    /**
     * This node leads now, in {@code epoch}: the write log it followed ends here (promotion replays it,
     * nothing may be added meanwhile), and streams of older epochs are refused from now on.
     */
    public synchronized void leading(long epoch) {
        highestEpoch.accumulateAndGet(epoch, Math::max);
        if (logConnection != null) {
            try {
                logConnection.close();
            } catch (IOException ignored) {
                // closed is what we want
            }
            logConnection = null;
        }
        logs.stop();
    }

    /**
     * Receives one stream. A checkpoint (or version) exists under its name only once it is complete:
     * {@code btrfs receive} creates it as {@code <name>.partial}; once the stream has ended, it is checked
     * (read-only, its received uuid the one the authenticated header announced), renamed in place to its
     * name (a read-only subvolume cannot move to another directory, so it is received where it stays), and
     * only then acknowledged. A receive held back, cut short, or still running when this node is elected,
     * leaves nothing a promotion, the write log's trim or the next send could take for a checkpoint.
     */
    private String receive(ReplicationHeader h, FrameCodec frames, DataInputStream in, DataOutputStream out, boolean[] streaming) throws IOException {
        admit(h.cluster(), h.epoch());
        // a version goes where the node serves it from; a checkpoint to the replica area, until a promotion
        Path dir = h.version() ? images.resolve(h.volume()).resolve("versions") : replicas.resolve(h.volume());
        Files.createDirectories(dir);
        Path target = dir.resolve(h.snapshot());
        if (Files.exists(target)) throw new IOException(h.volume() + "/" + h.snapshot() + " is already here");
        if (Files.exists(dir.resolve(h.snapshot() + PARTIAL))) throw new IOException(h.volume() + "/" + h.snapshot() + " is being received");
        // the header is acceptable: tell the sender to stream (a refusal above saves it sending the data)
        out.writeUTF("GO");
        out.flush();
        streaming[0] = true;
        InputStream data = frames.dataStream(in);
        Subvolume got = btrfs.receive(data, dir, h.snapshot() + PARTIAL);
        try {
            if (data.read() != -1) throw new IOException("data after the end of the send stream");
            requireAnnounced(got, h);
            finish(h, got.path(), target);
        } catch (IOException | RuntimeException e) {
            btrfs.deleteSubvolume(got.path());
            throw e;
        }
        if (!h.version()) pruneOlder(dir, h.volume(), target);
        log.info("received {} {}/{} (epoch {}, {})", h.version() ? "version" : "checkpoint", h.volume(), h.snapshot(), h.epoch(),
                h.parent().map(p -> "incremental on " + p).orElse("full"));
        return got.uuid().toString();
    }

    /** A received subvolume is the one announced when btrfs receive finished it and it carries the announced uuid. */
    private void requireAnnounced(Subvolume got, ReplicationHeader h) throws IOException {
        if (!btrfs.isReadOnly(got.path())) throw new IOException(h.snapshot() + " was received but not made read-only: incomplete");
        if (!got.receivedUuid().equals(Optional.of(h.uuid()))) {
            throw new IOException(h.snapshot() + " was received with uuid " + got.receivedUuid().map(Object::toString).orElse("none")
                    + ", the sender announced " + h.uuid());
        }
    }

    /**
     * Gives a complete subvolume its name, unless this node was elected meanwhile: then its leader is
     * deposed, and the promotion has chosen already (it must not see a checkpoint appear under it).
     */
    private synchronized void finish(ReplicationHeader h, Path received, Path target) throws IOException {
        admit(h.cluster(), h.epoch());
        if (Files.exists(target)) throw new IOException(h.volume() + "/" + h.snapshot() + " is already here");
        Files.move(received, target, StandardCopyOption.ATOMIC_MOVE);
        highestEpoch.accumulateAndGet(h.epoch(), Math::max);
    }

    /**
     * Deletes what receives cut short by a crash left: every {@code *.partial} subvolume, and, from before
     * receives were made under that name, any checkpoint btrfs receive did not finish (writable, or
     * without a received uuid). None of it was acknowledged.
     */
    private void discardIncomplete() {
        List<Path> dirs = new ArrayList<>();
        for (Path area : List.of(replicas, images)) {
            if (!Files.isDirectory(area)) continue;
            try (var volumes = Files.list(area)) {
                for (Path v : volumes.toList()) dirs.add(area == images ? v.resolve("versions") : v);
            } catch (IOException e) {
                log.warn("could not look for unfinished receives in {}: {}", area, e.getMessage());
            }
        }
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) continue;
            String volume = dir.startsWith(replicas) ? dir.getFileName().toString() : null;
            try (var entries = Files.list(dir)) {
                for (Path e : entries.toList()) {
                    String name = e.getFileName().toString();
                    boolean partial = name.endsWith(PARTIAL);
                    boolean unfinished = volume != null && CheckpointName.parse(volume, name).isPresent() && !ReceivedCheckpoints.complete(e);
                    if (!partial && !unfinished) continue;
                    btrfs.deleteSubvolume(e);
                    log.warn("deleted {}: its receive never finished (never acknowledged)", e);
                }
            } catch (IOException | RuntimeException ex) {
                log.warn("could not delete the unfinished receives in {}: {}", dir, ex.getMessage());
            }
        }
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
        synchronized (this) {
            if (logConnection != null) logConnection.close();
        }
        logs.close();
    }
}
