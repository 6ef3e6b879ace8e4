package org.icbd.failover;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One entry of the synchronous write log, as the leader sends it and the standby stores it: a write,
 * a deallocation, a flush, or a checkpoint marker (everything after it is newer than that checkpoint).
 * Encoded without framing; parsed from bytes with every field checked, since a volume name becomes a
 * path on the standby.
 */
public sealed interface LogRecord {

    /** Largest data one write record carries; longer writes are split (a frame holds at most 1 MiB). */
    int MAX_WRITE = 512 << 10;

    /** The volume the record is about. */
    String volume();

    /** {@code durable}: the standby makes its log durable before it acknowledges (FUA). */
    record Write(String volume, long offset, byte[] data, boolean durable) implements LogRecord {
        public Write {
            checkVolume(volume);
            if (offset < 0) throw new IllegalArgumentException("negative offset " + offset);
            if (data.length == 0 || data.length > MAX_WRITE) throw new IllegalArgumentException("write of " + data.length + " bytes");
        }
    }

    /** Later reads of the range return zeros (UNMAP, WRITE SAME with UNMAP). */
    record Trim(String volume, long offset, long length) implements LogRecord {
        public Trim {
            checkVolume(volume);
            if (offset < 0 || length <= 0) throw new IllegalArgumentException("bad range " + offset + "+" + length);
        }
    }

    /** SYNCHRONIZE CACHE: the standby makes its log durable before it acknowledges. */
    record Flush(String volume) implements LogRecord {
        public Flush {
            checkVolume(volume);
        }
    }

    /** Checkpoint {@code checkpoint} of the volume was taken here: the records after it are newer. */
    record Marker(String volume, String checkpoint) implements LogRecord {
        public Marker {
            checkVolume(volume);
            if (CheckpointName.parse(volume, checkpoint).isEmpty()) {
                throw new IllegalArgumentException("'" + checkpoint + "' is not a checkpoint of " + volume);
            }
        }
    }

    /** Whether the standby must have the record on disk before acknowledging it. */
    default boolean needsSync() {
        return this instanceof Flush || (this instanceof Write w && w.durable());
    }

    private static void checkVolume(String volume) {
        if (!ReplicaName.valid(volume)) {
            throw new IllegalArgumentException("invalid volume name '" + volume + "'");
        }
    }

    default byte[] encode() {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream(this instanceof Write w ? w.data().length + 64 : 64);
            DataOutputStream out = new DataOutputStream(b);
            switch (this) {
                case Write w -> {
                    out.writeByte('W');
                    out.writeUTF(w.volume());
                    out.writeLong(w.offset());
                    out.writeBoolean(w.durable());
                    out.writeInt(w.data().length);
                    out.write(w.data());
                }
                case Trim t -> {
                    out.writeByte('T');
                    out.writeUTF(t.volume());
                    out.writeLong(t.offset());
                    out.writeLong(t.length());
                }
                case Flush f -> {
                    out.writeByte('F');
                    out.writeUTF(f.volume());
                }
                case Marker m -> {
                    out.writeByte('M');
                    out.writeUTF(m.volume());
                    out.writeUTF(m.checkpoint());
                }
            }
            return b.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e); // in memory
        }
    }

    /** @throws IOException saying what is wrong, for any bytes that are not one whole record */
    static LogRecord decode(byte[] bytes) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            byte type = in.get();
            String volume = utf(in);
            LogRecord r = switch (type) {
                case 'W' -> {
                    long offset = in.getLong();
                    boolean durable = in.get() != 0;
                    int len = in.getInt();
                    if (len < 0 || len > in.remaining()) throw new IOException("write record claims " + len + " bytes");
                    byte[] data = new byte[len];
                    in.get(data);
                    yield new Write(volume, offset, data, durable);
                }
                case 'T' -> new Trim(volume, in.getLong(), in.getLong());
                case 'F' -> new Flush(volume);
                case 'M' -> new Marker(volume, utf(in));
                default -> throw new IOException("unknown log record type " + type);
            };
            if (in.hasRemaining()) throw new IOException("trailing bytes after a log record");
            return r;
        } catch (BufferUnderflowException e) {
            throw new IOException("truncated log record", e);
        } catch (IllegalArgumentException e) {
            throw new IOException("bad log record: " + e.getMessage(), e);
        }
    }

    private static String utf(ByteBuffer in) {
        int len = in.getShort() & 0xffff;
        if (len > in.remaining()) throw new BufferUnderflowException();
        byte[] b = new byte[len];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8); // names are ASCII: modified UTF-8 is plain UTF-8 for them
    }
}
