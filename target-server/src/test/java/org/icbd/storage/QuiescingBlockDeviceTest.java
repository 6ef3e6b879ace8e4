package org.icbd.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuiescingBlockDeviceTest {

    @TempDir
    Path dir;

    private QuiescingBlockDevice device() throws IOException {
        Path img = dir.resolve("d.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        return new QuiescingBlockDevice(FileBlockDevice.open(img, false));
    }

    /**
     * A leader keeps the gate of a LUN it closed (a workstation's target dropped when its edit of an image
     * began, the work copy's when it ended) for the checkpoints of that volume: they go on without failing.
     */
    @Test
    void aClosedDeviceIsQuiescedWithNothingToFlush() throws Exception {
        QuiescingBlockDevice d = device();
        d.write(0, ByteBuffer.wrap(new byte[] {7}), false);
        d.close();
        try (QuiescingBlockDevice.Pause p = d.quiesce(Duration.ofSeconds(1))) {
            assertTrue(p.drainTime().toMillis() < 1000);
        }
    }

    @Test
    void writesWaitDuringPauseAndResumeAfter() throws Exception {
        try (QuiescingBlockDevice d = device()) {
            AtomicBoolean written = new AtomicBoolean();
            Thread writer;
            try (QuiescingBlockDevice.Pause p = d.quiesce(Duration.ofSeconds(5))) {
                writer = Thread.ofVirtual().start(() -> {
                    try {
                        d.write(0, ByteBuffer.wrap(new byte[] {7}), false);
                        written.set(true);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                Thread.sleep(200);
                assertFalse(written.get(), "a write must not pass a pause");
                ByteBuffer b = ByteBuffer.allocate(1);
                d.read(0, b);  // reads go on
                assertEquals(0, b.get(0));
            }
            writer.join(5000);
            assertTrue(written.get());
        }
    }

    @Test
    void snapshotInsidePauseSeesEveryAcknowledgedWriteAndNoneAfter() throws Exception {
        try (QuiescingBlockDevice d = device()) {
            AtomicLong acknowledged = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(1);
            Thread writer = Thread.ofVirtual().start(() -> {
                long n = 0;
                while (!stop.get()) {
                    ByteBuffer b = ByteBuffer.allocate(8).putLong(0, ++n);
                    try {
                        d.write(0, b, false);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                    acknowledged.set(n);
                    started.countDown();
                }
            });
            assertTrue(started.await(5, TimeUnit.SECONDS));
            long atPause;
            byte[] snapshot;
            try (QuiescingBlockDevice.Pause p = d.quiesce(Duration.ofSeconds(5))) {
                Thread.sleep(50);
                atPause = acknowledged.get();
                snapshot = Files.readAllBytes(dir.resolve("d.img"));  // what a btrfs snapshot would capture
                Thread.sleep(50);
                assertEquals(atPause, acknowledged.get(), "no write is acknowledged during the pause");
                assertTrue(p.drainTime().toMillis() < 5000);
            }
            stop.set(true);
            writer.join(5000);
            assertEquals(atPause, ByteBuffer.wrap(snapshot).getLong(0), "the snapshot holds the last acknowledged write");
            assertTrue(acknowledged.get() > atPause, "writes resume after the pause");
        }
    }

    @Test
    void quiesceGivesUpWhenAWriteNeverDrains() throws Exception {
        try (QuiescingBlockDevice d = device()) {
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            try (QuiescingBlockDevice.Pause first = d.quiesce(Duration.ofSeconds(1))) {
                Thread other = Thread.ofPlatform().start(() -> {
                    try (QuiescingBlockDevice.Pause second = d.quiesce(Duration.ofMillis(200))) {
                        outcome.set(new AssertionError("second pause granted while the first holds"));
                    } catch (Throwable t) {
                        outcome.set(t);
                    }
                });
                other.join(5000);
            }
            assertTrue(outcome.get() instanceof IOException, "expected a drain timeout, got " + outcome.get());
        }
    }
}
