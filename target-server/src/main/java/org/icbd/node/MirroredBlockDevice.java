package org.icbd.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.icbd.failover.LogRecord;
import org.icbd.failover.WriteLog;
import org.icbd.scsi.RangeLock;
import org.icbd.storage.BlockDevice;
import org.icbd.storage.ForwardingBlockDevice;

/**
 * A writable clone replicated synchronously: each write is applied here and sent to the standbys'
 * write logs, and returns (is acknowledged to the initiator) only when every standby has it or has
 * been recorded out of sync. FUA and SYNCHRONIZE CACHE make the standbys' logs durable too.
 *
 * <p>Applying a write here and sending its record happen under an exclusive lock on the write's range,
 * so overlapping writes reach the log in the order this copy applied them and replay to the bytes the
 * leader ended with; writes to other ranges (whose order does not change the result) run in parallel.
 * Waiting for the standbys (and the local flush of a FUA write) happens after the lock is released.
 */
final class MirroredBlockDevice extends ForwardingBlockDevice {

    private final String volume;
    private final WriteLog log;
    private final RangeLock order = new RangeLock();
    private final Timer waits;

    /** @param waits records how long each write waited for the standbys (what sync mode costs a write) */
    MirroredBlockDevice(BlockDevice inner, String volume, WriteLog log, Timer waits) {
        super(inner);
        this.volume = volume;
        this.log = log;
        this.waits = waits;
    }

    private void await(WriteLog.Pending pending) throws IOException {
        long t0 = System.nanoTime();
        try {
            log.await(pending);
        } finally {
            waits.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        if (log.idle()) {
            // no standby to wait for; one that connects now gets this write in its next checkpoint
            inner.write(offset, src, fua);
            return;
        }
        List<LogRecord> records = records(offset, src.duplicate(), fua);
        WriteLog.Pending pending;
        try (RangeLock.Held ignored = order.exclusive(offset / 512, blocks(offset, src.remaining()))) {
            inner.write(offset, src, false);
            pending = log.append(records);
        }
        if (fua) inner.flush();
        await(pending);
    }

    private List<LogRecord> records(long offset, ByteBuffer data, boolean fua) {
        List<LogRecord> out = new ArrayList<>(1 + data.remaining() / LogRecord.MAX_WRITE);
        long at = offset;
        while (data.hasRemaining()) {
            byte[] b = new byte[Math.min(data.remaining(), LogRecord.MAX_WRITE)];
            data.get(b);
            out.add(new LogRecord.Write(volume, at, b, fua && !data.hasRemaining()));
            at += b.length;
        }
        return out;
    }

    @Override
    public void unmap(long offset, long length) throws IOException {
        if (log.idle()) {
            inner.unmap(offset, length);
            return;
        }
        WriteLog.Pending pending;
        try (RangeLock.Held ignored = order.exclusive(offset / 512, blocks(offset, length))) {
            inner.unmap(offset, length);
            pending = log.append(List.of(new LogRecord.Trim(volume, offset, length)));
        }
        await(pending);
    }

    /** The 512-byte units {@code [offset, offset + length)} touches (RangeLock's unit). */
    private static long blocks(long offset, long length) {
        return (offset + length + 511) / 512 - offset / 512;
    }

    @Override
    public void flush() throws IOException {
        try {
            inner.flush();
        } catch (IOException e) {
            throw new IOException("this node's disk did not confirm it (" + e.getMessage() + "): writes acknowledged"
                    + " without FUA since the last flush may not be on it", e);
        }
        if (log.idle()) return;
        try {
            await(log.append(List.of(new LogRecord.Flush(volume))));
        } catch (IOException e) {
            // a deposed leader's case: nothing acknowledged is lost by it (a write is acknowledged only once the
            // standbys in sync have it, or after they were recorded out of sync in ZooKeeper)
            throw new IOException("the standbys did not confirm it (" + e.getMessage() + "); every write is on this"
                    + " node's disk, and none the standbys in sync lack was acknowledged", e);
        }
    }
}
