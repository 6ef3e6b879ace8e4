package org.icbd.failover;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The leader's write-log connection to one standby. Records are sent in order and pipelined: {@link
 * #send} returns the record's sequence number at once, {@link #await} waits until the standby has
 * acknowledged it (acknowledgements are cumulative). Any failure, or an acknowledgement slower than
 * the timeout, breaks the connection for good: the leader then takes the standby out of sync and
 * connects afresh later.
 *
 * <p>Locks, not monitors: callers are virtual threads, and a monitor held across blocking I/O would
 * pin their carriers.
 */
public final class LogShipper implements Closeable {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String standby;
    private final Duration timeout;
    private final Socket socket;
    private final DataOutputStream out;
    private final FrameCodec frames;
    private final ReentrantLock sending = new ReentrantLock();
    private final ReentrantLock acks = new ReentrantLock();
    private final Condition ackArrived = acks.newCondition();
    /** Guarded by sending. */
    private long sent;
    /** Guarded by acks. */
    private long acked;
    private volatile IOException failure;

    private LogShipper(String standby, Duration timeout, Socket socket, DataOutputStream out, FrameCodec frames) {
        this.standby = standby;
        this.timeout = timeout;
        this.socket = socket;
        this.out = out;
        this.frames = frames;
    }

    /**
     * Connects to {@code standby}'s replication port as the leader of {@code epoch}.
     *
     * @param timeout how long a record may wait for its acknowledgement (and the connect for an answer)
     * @throws IOException when the standby cannot be reached or refuses (it says why)
     */
    public static LogShipper connect(String cluster, byte[] secret, long epoch, String leader, String standby,
                                     InetSocketAddress address, Duration timeout) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(address, (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            s.setTcpNoDelay(true); // a record waits for its acknowledgement: never let Nagle hold it back
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
            byte[] nonce = new byte[FrameCodec.NONCE_BYTES];
            in.readFully(nonce);
            FrameCodec frames = new FrameCodec(secret, nonce);
            byte[] ackNonce = new byte[FrameCodec.NONCE_BYTES];
            RANDOM.nextBytes(ackNonce);
            byte[] h = new LogHeader(cluster, epoch, leader, ackNonce).encode();
            frames.write(out, h, 0, h.length);
            out.flush();
            String answer = in.readUTF();
            if (!answer.equals("GO")) throw new IOException("standby " + standby + " refused the write log: " + answer.replaceFirst("^ERR ", ""));
            s.setSoTimeout(0); // idle between writes is normal; acknowledgements are timed by await
            LogShipper shipper = new LogShipper(standby, timeout, s, out, frames);
            FrameCodec ackFrames = new FrameCodec(secret, ackNonce);
            Thread.ofPlatform().daemon().name("icbd-log-acks-" + standby).start(() -> shipper.readAcks(in, ackFrames));
            return shipper;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    public String standby() {
        return standby;
    }

    /** False once the connection broke; it is never used again. */
    public boolean alive() {
        return failure == null;
    }

    /** Sends {@code record}; returns its sequence number, for {@link #await}. */
    public long send(LogRecord record) throws IOException {
        byte[] b = record.encode();
        sending.lock();
        try {
            if (failure != null) throw failure;
            frames.write(out, b, 0, b.length);
            out.flush();
            return ++sent;
        } catch (IOException e) {
            throw fail(e);
        } finally {
            sending.unlock();
        }
    }

    /** Returns once record {@code seq} is acknowledged; throws when the connection broke or the standby was too slow. */
    public void await(long seq) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        acks.lock();
        try {
            while (acked < seq) {
                if (failure != null) throw failure;
                long left = deadline - System.nanoTime();
                if (left <= 0) throw fail(new IOException("standby " + standby + " acknowledged no write for " + timeout.toMillis() + " ms"));
                ackArrived.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for standby " + standby, e);
        } finally {
            acks.unlock();
        }
    }

    private void readAcks(DataInputStream in, FrameCodec ackFrames) {
        try {
            while (true) {
                byte[] a = ackFrames.read(in);
                if (a.length != 8) throw new IOException("acknowledgement of " + a.length + " bytes");
                long seq = ByteBuffer.wrap(a).getLong();
                acks.lock();
                try {
                    if (seq > acked) acked = seq;
                    ackArrived.signalAll();
                } finally {
                    acks.unlock();
                }
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    private IOException fail(IOException e) {
        acks.lock();
        try {
            if (failure == null) failure = new IOException("write log to standby " + standby + " broke: " + e.getMessage(), e);
            ackArrived.signalAll();
        } finally {
            acks.unlock();
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // broken already
        }
        return failure;
    }

    @Override
    public void close() {
        fail(new IOException("closed by the leader"));
    }
}
