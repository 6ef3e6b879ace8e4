package org.icbd.iscsi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a connection: takes PDUs from a queue, stamps sequence numbers, and sends
 * them with gathering writes (header, data slice and trailer without copying the data),
 * coalescing whatever is queued into one system call.
 *
 * <p>It counts the bytes queued, so the connection's reader can stop reading while an initiator
 * does not take its replies ({@link #awaitRoom}), and the connection can tell a writer that has
 * not moved for too long ({@link #stalledFor}).
 */
final class PduWriter implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(PduWriter.class);
    private static final OutboundPdu POISON = new OutboundPdu(0, null, OutboundPdu.StatSn.NONE);
    private static final int BATCH = 64;

    private final SocketChannel channel;
    private final LinkedBlockingQueue<OutboundPdu> queue = new LinkedBlockingQueue<>();
    private final ServingGate gate;
    private final Runnable onFailure;
    private volatile IntSupplier expCmdSn = () -> 0;
    private volatile IntSupplier maxCmdSn = () -> 0;
    private int statSn;
    private boolean headerDigest;
    private boolean dataDigest;
    private volatile boolean dead;
    private final LongSupplier clock;
    private final AtomicLong queuedBytes = new AtomicLong();
    private volatile long lastProgressNanos;
    private final ReentrantLock roomLock = new ReentrantLock();
    private final Condition room = roomLock.newCondition();

    PduWriter(SocketChannel channel, ServingGate gate, Runnable onFailure, LongSupplier clock) {
        this.channel = channel;
        this.gate = gate;
        this.onFailure = onFailure;
        this.clock = clock;
        this.lastProgressNanos = clock.getAsLong();
    }

    /** Bytes a PDU holds while queued; a marker (opcode -1) holds none. */
    private static long size(OutboundPdu p) {
        if (p.bhs[0] == (byte) -1) return 0;
        return Bhs.LENGTH + (p.data == null ? 0 : p.data.remaining());
    }

    long queuedBytes() {
        return queuedBytes.get();
    }

    /**
     * Blocks while more than {@code limit} bytes wait to be sent (the initiator does not read);
     * false once the writer is dead or {@code timeout} passed without room.
     */
    boolean awaitRoom(long limit, long timeoutNanos) throws InterruptedException {
        if (queuedBytes.get() <= limit) return true;
        long deadline = System.nanoTime() + timeoutNanos;
        roomLock.lock();
        try {
            while (queuedBytes.get() > limit) {
                if (dead) return false;
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                room.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
            }
            return !dead;
        } finally {
            roomLock.unlock();
        }
    }

    /** How long replies have been waiting without a byte of them sent; 0 when nothing waits. */
    long stalledFor(long now) {
        return queuedBytes.get() == 0 ? 0 : Math.max(0, now - lastProgressNanos);
    }

    private void progressed(long bytes) {
        lastProgressNanos = clock.getAsLong();
        if (bytes == 0) return;
        queuedBytes.addAndGet(-bytes);
        roomLock.lock();
        try {
            room.signalAll();
        } finally {
            roomLock.unlock();
        }
    }

    void sequenceSource(IntSupplier expCmdSn, IntSupplier maxCmdSn) {
        this.expCmdSn = expCmdSn;
        this.maxCmdSn = maxCmdSn;
    }

    /** Sets the first StatSN; only before the first PDU is sent. */
    void initialStatSn(int s) {
        statSn = s;
    }

    void send(OutboundPdu pdu) {
        if (dead) {
            if (pdu.afterSend != null) pdu.afterSend.run();
            return;
        }
        // an idle writer's stall clock starts with the first PDU queued
        if (queuedBytes.getAndAdd(size(pdu)) == 0) lastProgressNanos = clock.getAsLong();
        queue.add(pdu);
    }

    /** Digests apply to every PDU queued after this call (queued as a marker, so ordering holds). */
    void enableDigests(boolean header, boolean data) {
        OutboundPdu marker = new OutboundPdu(-1, null, OutboundPdu.StatSn.NONE);
        marker.afterSend = () -> {
            headerDigest = header;
            dataDigest = data;
        };
        queue.add(marker);
    }

    void shutdown() {
        queue.add(POISON);
    }

    @Override
    public void run() {
        List<OutboundPdu> batch = new ArrayList<>(BATCH);
        List<ByteBuffer> bufs = new ArrayList<>(BATCH * 3);
        try {
            while (true) {
                batch.clear();
                batch.add(queue.take());
                queue.drainTo(batch, BATCH - 1);
                bufs.clear();
                boolean stop = false;
                for (OutboundPdu p : batch) {
                    if (p == POISON) {
                        stop = true;
                        break;
                    }
                    if (p.bhs[0] == (byte) -1) continue;  // digest marker: handled after the write below
                    encode(p, bufs);
                }
                if (!bufs.isEmpty() && !gate.mayAnswer()) {
                    // possibly deposed: these answers may carry old data or acknowledge what the next
                    // leader never saw; the initiator gets none and reconnects
                    log.warn("not answering {}: this node may no longer lead; closing the connection", channel.getRemoteAddress());
                    channel.close();
                    return;
                }
                ByteBuffer[] arr = bufs.toArray(new ByteBuffer[0]);
                long total = 0;
                for (ByteBuffer b : arr) total += b.remaining();
                while (total > 0) {
                    total -= channel.write(arr);
                    lastProgressNanos = clock.getAsLong();
                }
                long accounted = 0;
                for (OutboundPdu p : batch) if (p != POISON) accounted += size(p);
                progressed(accounted);
                for (OutboundPdu p : batch) {
                    if (p == POISON) break;
                    if (p.afterSend != null) p.afterSend.run();
                }
                if (stop) return;
            }
        } catch (IOException e) {
            log.debug("write failed: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            dead = true;
            progressed(0);
            roomLock.lock();
            try {
                room.signalAll();
            } finally {
                roomLock.unlock();
            }
            for (OutboundPdu p : batch) if (p != POISON && p.afterSend != null) runQuietly(p.afterSend);
            OutboundPdu p;
            while ((p = queue.poll()) != null) if (p.afterSend != null) runQuietly(p.afterSend);
            onFailure.run();
        }
    }

    private static void runQuietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.debug("after-send hook failed", e);
        }
    }

    private void encode(OutboundPdu p, List<ByteBuffer> out) {
        byte[] h = p.bhs;
        switch (p.statSn) {
            case ADVANCE -> Bhs.put32(h, 24, statSn++);
            case PEEK -> Bhs.put32(h, 24, statSn);
            case NONE -> { }
        }
        Bhs.put32(h, 28, expCmdSn.getAsInt());
        Bhs.put32(h, 32, maxCmdSn.getAsInt());
        if (headerDigest) {
            byte[] hd = new byte[Bhs.LENGTH + 4];
            System.arraycopy(h, 0, hd, 0, Bhs.LENGTH);
            Digests.putLe(hd, Bhs.LENGTH, Digests.crc32c(h, 0, Bhs.LENGTH));
            out.add(ByteBuffer.wrap(hd));
        } else {
            out.add(ByteBuffer.wrap(h));
        }
        if (p.data != null && p.data.hasRemaining()) {
            ByteBuffer d = p.data.duplicate();
            int len = d.remaining();
            int pad = Bhs.pad(len);
            out.add(d);
            if (pad > 0 || dataDigest) {
                byte[] trailer = new byte[pad + (dataDigest ? 4 : 0)];
                if (dataDigest) Digests.putLe(trailer, pad, Digests.dataDigest(p.data));
                out.add(ByteBuffer.wrap(trailer));
            }
        }
    }

    int statSnForLog() {
        return statSn;
    }
}
