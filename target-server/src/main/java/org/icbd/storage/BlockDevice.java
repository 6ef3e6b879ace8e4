package org.icbd.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A logical unit's backing store, addressed in bytes. Implementations are thread-safe:
 * commands run concurrently on virtual threads and call these methods in parallel.
 *
 * <p>Callers never interrupt a thread inside these methods: FileChannel closes itself when
 * a thread blocked in it is interrupted, which would kill the LUN for every session.
 */
public interface BlockDevice extends Closeable {

    /** Logical block size in bytes (512 unless configured otherwise). */
    int blockSize();

    /** Size in bytes; always a multiple of {@link #blockSize()}. */
    long sizeBytes();

    default long blockCount() {
        return sizeBytes() / blockSize();
    }

    /** True when the target must refuse every write (DATA PROTECT). */
    boolean readOnly();

    /** Reads exactly {@code dst.remaining()} bytes starting at byte {@code offset}. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes all of {@code src} at byte {@code offset}; with {@code fua} it is durable on return. */
    void write(long offset, ByteBuffer src, boolean fua) throws IOException;

    /** Makes every completed write durable (SYNCHRONIZE CACHE). */
    void flush() throws IOException;

    /** True when {@link #unmap} releases space (thin provisioning). */
    boolean supportsUnmap();

    /** Deallocates a byte range; later reads of it return zeros. */
    void unmap(long offset, long length) throws IOException;

    /**
     * The provisioning state at {@code offset} and how many bytes (at most {@code maxLength}) share
     * it, for GET LBA STATUS. Devices that cannot tell report everything mapped: that answer never
     * makes an initiator skip data it needs.
     */
    default AllocationRun allocation(long offset, long maxLength) throws IOException {
        return new AllocationRun(true, maxLength);
    }

    /** A run of bytes that are all mapped (hold data) or all deallocated (read as zeros). */
    record AllocationRun(boolean mapped, long length) {
        public AllocationRun {
            if (length <= 0) throw new IllegalArgumentException("empty run");
        }
    }

    /** Identity derived from the volume, never from the host serving it. */
    LunIdentity identity();
}
