package org.icbd.failover;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The write log's records as bytes, and the standby's segments on disk (no network, no btrfs). */
class LogRecordTest {

    @TempDir
    Path tmp;

    @Test
    void everyKindOfRecordRoundTrips() throws IOException {
        for (LogRecord r : List.<LogRecord>of(new LogRecord.Trim("ws01", 4096, 1 << 20), new LogRecord.Flush("ws01"),
                new LogRecord.Marker("ws01", "ws01.3.17"))) {
            assertEquals(r, LogRecord.decode(r.encode()));
        }
        LogRecord.Write w = new LogRecord.Write("ws01", 512, new byte[] {1, 2, 3}, true);
        LogRecord.Write back = (LogRecord.Write) LogRecord.decode(w.encode());
        assertEquals(512, back.offset());
        assertArrayEquals(w.data(), back.data());
        assertTrue(back.durable() && back.needsSync());
        assertTrue(!new LogRecord.Trim("ws01", 0, 1).needsSync());
    }

    @Test
    void anyOtherBytesAreAnIoExceptionSayingWhy() {
        Random random = new Random(7);
        byte[] good = new LogRecord.Write("ws01", 0, new byte[64], false).encode();
        for (int i = 0; i < 20_000; i++) {
            byte[] b = i % 2 == 0 ? new byte[random.nextInt(40)] : good.clone();
            if (i % 2 == 0) random.nextBytes(b);
            else b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
            try {
                LogRecord.decode(b);
            } catch (IOException expected) {
                // refused with a reason: fine
            } catch (RuntimeException e) {
                throw new AssertionError("bytes " + HexFormat.of().formatHex(b) + " threw " + e, e);
            }
        }
        byte[] path = new LogRecord.Marker("ab", "ab.1.1").encode();
        path[3] = '/'; // volume "ab" -> "/b": a path on the standby
        assertThrows(IOException.class, () -> LogRecord.decode(path));
        assertThrows(IllegalArgumentException.class, () -> new LogRecord.Marker("ws01", "ws02.1.1"));
    }

    @Test
    void aReplayAppliesTheSegmentsFromTheCheckpointOnInOrder() throws IOException {
        LogStore store = new LogStore(tmp.resolve("log"), tmp.resolve("replicas"));
        long chain = store.reset();
        store.append(chain, write(0, 9)); // before the first marker: belongs to no checkpoint
        store.append(chain, new LogRecord.Marker("ws01", "ws01.1.1"));
        store.append(chain, write(0, 1));
        store.append(chain, new LogRecord.Marker("ws01", "ws01.1.2"));
        store.append(chain, write(4096, 2));
        store.append(chain, new LogRecord.Trim("ws01", 0, 256));
        store.sync();

        byte[] disk = new byte[8192];
        LogStore.Replayed r = LogStore.replay(tmp.resolve("log"), "ws01", "ws01.1.1", target(disk)).orElseThrow();
        assertEquals(new LogStore.Replayed(2, 3, 1024), r);
        assertEquals(0, disk[0], "trimmed after it was written");
        assertEquals(1, disk[300]);
        assertEquals(2, disk[4096]);
        byte[] fromSecond = new byte[8192];
        assertEquals(2, LogStore.replay(tmp.resolve("log"), "ws01", "ws01.1.2", target(fromSecond)).orElseThrow().records());
        assertEquals(0, fromSecond[300]);
        assertTrue(LogStore.replay(tmp.resolve("log"), "ws01", "ws01.1.3", target(disk)).isEmpty(), "no segment starts there");

        long next = store.reset();
        assertThrows(IOException.class, () -> store.append(chain, write(0, 3)), "an older connection cannot add to the new chain");
        store.append(next, new LogRecord.Marker("ws01", "ws01.2.1"));
        assertTrue(LogStore.replay(tmp.resolve("log"), "ws01", "ws01.1.1", target(disk)).isEmpty(), "a new chain drops the old");
        store.close();
    }

    @Test
    void aTornLastRecordEndsTheReplayButDamageEarlierIsAnError() throws IOException {
        LogStore store = new LogStore(tmp.resolve("log"), tmp.resolve("replicas"));
        long chain = store.reset();
        store.append(chain, new LogRecord.Marker("ws01", "ws01.1.1"));
        store.append(chain, write(0, 1));
        store.append(chain, write(512, 2));
        store.close();
        Path segment;
        try (var s = Files.list(tmp.resolve("log/ws01"))) {
            segment = s.findFirst().orElseThrow();
        }
        long size = Files.size(segment);
        try (var ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.truncate(size - 10);
        }
        byte[] disk = new byte[1024];
        assertEquals(1, LogStore.replay(tmp.resolve("log"), "ws01", "ws01.1.1", target(disk)).orElseThrow().records());
        assertEquals(0, disk[512], "the torn write (never acknowledged) is not applied");

        Files.writeString(tmp.resolve("log/ws01/00000009.ws01.1.2.log"), ""); // a later segment: the torn one is no longer last
        IOException e = assertThrows(IOException.class, () -> LogStore.replay(tmp.resolve("log"), "ws01", "ws01.1.1", target(disk)));
        assertTrue(e.getMessage().contains("is damaged"), e.getMessage());
    }

    private static LogRecord.Write write(long offset, int value) {
        byte[] b = new byte[512];
        Arrays.fill(b, (byte) value);
        return new LogRecord.Write("ws01", offset, b, false);
    }

    /** Replays into {@code disk}, an in-memory volume. */
    static LogStore.Target target(byte[] disk) {
        return new LogStore.Target() {
            @Override
            public void write(long offset, byte[] data) {
                System.arraycopy(data, 0, disk, (int) offset, data.length);
            }

            @Override
            public void trim(long offset, long length) {
                Arrays.fill(disk, (int) offset, (int) (offset + length), (byte) 0);
            }
        };
    }
}
