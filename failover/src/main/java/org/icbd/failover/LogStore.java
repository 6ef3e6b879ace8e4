package org.icbd.failover;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * A standby's copy of the leader's write log, one directory per volume, cut into segments at the
 * leader's checkpoint markers: {@code <volume>/<n>.<checkpoint>.log} holds, in order, the writes the
 * leader made after it took {@code checkpoint}. Promotion replays, on a writable snapshot of the
 * newest checkpoint received, the segment that starts at that checkpoint and every later one.
 *
 * <p>It holds one chain: the records of one connection from one leader. A new connection starts a
 * new chain and the old one is dropped: the leader that lost the connection took this standby out of
 * sync before it acknowledged another write, so a gap may follow, and an old chain is never replayed.
 * Records before a volume's first marker are acknowledged but not kept: they belong to no checkpoint.
 * Segments older than the newest complete checkpoint received are deleted when the next one starts.
 *
 * <p>On disk a record is {@code length, bytes, crc32c}; a torn record at the end of the last segment
 * (never acknowledged: the standby died writing it) ends the replay, anywhere else it is an error.
 */
public final class LogStore implements Closeable {

    private final Path dir;
    private final Path replicas;
    /** Per volume, the segment records are appended to. */
    private final Map<String, FileChannel> open = new HashMap<>();
    private final List<FileChannel> unsynced = new ArrayList<>();
    private int nextSegment;
    private long chain;
    /** Reused for every record: a direct buffer spares the copy the JDK makes of a heap one. */
    private ByteBuffer buffer = ByteBuffer.allocateDirect(LogRecord.MAX_WRITE + 4096);

    /** @param replicas where received checkpoints are ({@code <volume>/<checkpoint>}), to know what can be trimmed */
    public LogStore(Path dir, Path replicas) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.replicas = replicas;
    }

    /** Starts a new chain, dropping every segment; returns its id, for {@link #append}. */
    public synchronized long reset() throws IOException {
        closeOpen();
        try (var volumes = Files.list(dir)) {
            for (Path v : volumes.toList()) deleteAll(v);
        }
        nextSegment = 0;
        return ++chain;
    }

    /** Ends the current chain, keeping its segments (for a replay): nothing more is appended to it. */
    public synchronized void stop() {
        chain++;
        try {
            sync();
            closeOpen();
        } catch (IOException e) {
            // what was written is there; a torn tail is tolerated by the replay
        }
    }

    /** Appends a record of chain {@code chainId}; a marker starts the volume's next segment. */
    public void append(long chainId, LogRecord r) throws IOException {
        append(chainId, r, r instanceof LogRecord.Write || r instanceof LogRecord.Trim ? r.encode() : null);
    }

    /** As {@link #append(long, LogRecord)}, with {@code encoded} the record's bytes as received (not encoded again). */
    public synchronized void append(long chainId, LogRecord r, byte[] encoded) throws IOException {
        if (chainId != chain) throw new IOException("a newer write-log connection took over");
        switch (r) {
            case LogRecord.Marker m -> startSegment(m);
            case LogRecord.Flush f -> { }
            case LogRecord.Write w -> write(w.volume(), encoded);
            case LogRecord.Trim t -> write(t.volume(), encoded);
        }
    }

    /** Makes every record appended so far durable. */
    public synchronized void sync() throws IOException {
        for (FileChannel ch : unsynced) {
            if (ch.isOpen()) ch.force(false);
        }
        unsynced.clear();
    }

    private void write(String volume, byte[] bytes) throws IOException {
        FileChannel ch = open.get(volume);
        if (ch == null) return; // before the volume's first marker: part of no checkpoint's tail
        if (buffer.capacity() < bytes.length + 8) buffer = ByteBuffer.allocateDirect(bytes.length + 8);
        ByteBuffer b = buffer.clear().putInt(bytes.length).put(bytes).putInt(crc(bytes)).flip();
        while (b.hasRemaining()) ch.write(b);
        if (!unsynced.contains(ch)) unsynced.add(ch);
    }

    private void startSegment(LogRecord.Marker m) throws IOException {
        Path vol = Files.createDirectories(dir.resolve(m.volume()));
        FileChannel previous = open.remove(m.volume());
        if (previous != null) {
            previous.force(false); // a segment is complete before the next begins: replay never sees a hole
            previous.close();
            unsynced.remove(previous);
        }
        open.put(m.volume(), FileChannel.open(vol.resolve(String.format("%08d.%s.log", nextSegment++, m.checkpoint())),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        trim(m.volume(), vol);
    }

    /**
     * Deletes the segments before the one starting at the newest complete checkpoint received: a
     * promotion replays from that one, so the log is kept back to it (a checkpoint whose receive has not
     * finished, or never will, is not complete and keeps nothing from being kept).
     */
    private void trim(String volume, Path vol) throws IOException {
        Optional<Path> newest = ReceivedCheckpoints.newestComplete(replicas.resolve(volume), volume);
        if (newest.isEmpty()) return;
        TreeMap<Integer, Path> segments = segments(vol, volume);
        Integer keepFrom = null;
        for (var e : segments.entrySet()) {
            if (checkpointOf(e.getValue()).equals(newest.get().getFileName().toString())) keepFrom = e.getKey();
        }
        if (keepFrom == null) return;
        for (Path p : segments.headMap(keepFrom).values()) Files.deleteIfExists(p);
    }

    /** How to apply replayed records to the promoted volume. */
    public interface Target {
        void write(long offset, byte[] data) throws IOException;

        void trim(long offset, long length) throws IOException;
    }

    /** What a replay applied. */
    public record Replayed(int segments, long records, long bytes) {
    }

    /**
     * Applies to {@code target} the records of {@code volume} kept in {@code dir} after {@code checkpoint},
     * in order; empty when no segment starts at that checkpoint (this node's log does not reach back to it).
     */
    public static Optional<Replayed> replay(Path dir, String volume, String checkpoint, Target target) throws IOException {
        Path vol = dir.resolve(volume);
        if (!Files.isDirectory(vol)) return Optional.empty();
        TreeMap<Integer, Path> segments = segments(vol, volume);
        Integer from = null;
        for (var e : segments.entrySet()) {
            if (checkpointOf(e.getValue()).equals(checkpoint)) from = e.getKey();
        }
        if (from == null) return Optional.empty();
        var tail = segments.tailMap(from);
        long[] counts = new long[2];
        Integer last = tail.lastKey();
        for (var e : tail.entrySet()) {
            read(e.getValue(), e.getKey().equals(last), r -> {
                switch (r) {
                    case LogRecord.Write w -> {
                        target.write(w.offset(), w.data());
                        counts[1] += w.data().length;
                    }
                    case LogRecord.Trim t -> target.trim(t.offset(), t.length());
                    default -> { }
                }
                counts[0]++;
            });
        }
        return Optional.of(new Replayed(tail.size(), counts[0], counts[1]));
    }

    /** The checkpoints of {@code volume} a segment kept in {@code dir} starts at: a replay can start from any of them. */
    public static Set<String> segmentStarts(Path dir, String volume) throws IOException {
        Path vol = dir.resolve(volume);
        if (!Files.isDirectory(vol)) return Set.of();
        Set<String> out = new TreeSet<>();
        for (Path p : segments(vol, volume).values()) out.add(checkpointOf(p));
        return out;
    }

    /** Deletes what is kept of {@code volume} (after a promotion has replayed it). */
    public static void discard(Path dir, String volume) throws IOException {
        deleteAll(dir.resolve(volume));
    }

    /** Reads a segment's records in order, one at a time (a segment may be larger than any array). */
    private static void read(Path segment, boolean last, RecordConsumer each) throws IOException {
        try (var in = new DataInputStream(new BufferedInputStream(Files.newInputStream(segment), 1 << 20))) {
            while (true) {
                LogRecord r;
                try {
                    int len;
                    try {
                        len = in.readInt();
                    } catch (EOFException end) {
                        return;
                    }
                    if (len < 0 || len > LogRecord.MAX_WRITE + 4096) throw new IOException("record length " + len);
                    byte[] bytes = in.readNBytes(len);
                    if (bytes.length != len) throw new EOFException("truncated record");
                    if (in.readInt() != crc(bytes)) throw new IOException("checksum mismatch");
                    r = LogRecord.decode(bytes);
                } catch (IOException e) {
                    if (last) return; // the torn tail of the last segment: never acknowledged
                    throw new IOException("write log segment " + segment + " is damaged: " + e.getMessage(), e);
                }
                each.accept(r);
            }
        }
    }

    private interface RecordConsumer {
        void accept(LogRecord r) throws IOException;
    }

    private static TreeMap<Integer, Path> segments(Path vol, String volume) throws IOException {
        TreeMap<Integer, Path> out = new TreeMap<>();
        try (var s = Files.list(vol)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                int dot = n.indexOf('.');
                if (dot > 0 && n.endsWith(".log") && n.substring(0, dot).chars().allMatch(Character::isDigit)
                        && CheckpointName.parse(volume, checkpointOf(p)).isPresent()) {
                    out.put(Integer.parseInt(n.substring(0, dot)), p);
                }
            }
        }
        return out;
    }

    private static String checkpointOf(Path segment) {
        String n = segment.getFileName().toString();
        return n.substring(n.indexOf('.') + 1, n.length() - ".log".length());
    }

    private static int crc(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes);
        return (int) c.getValue();
    }

    private static void deleteAll(Path vol) throws IOException {
        if (!Files.isDirectory(vol)) return;
        try (var s = Files.list(vol)) {
            for (Path p : s.toList()) Files.deleteIfExists(p);
        }
    }

    private void closeOpen() throws IOException {
        for (FileChannel ch : open.values()) ch.close();
        open.clear();
        unsynced.clear();
    }

    @Override
    public synchronized void close() throws IOException {
        closeOpen();
    }
}
