package org.icbd.btrfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** btrfs send / receive between two real loop-mounted file systems. */
@ExtendWith(LoopBtrfsExtension.class)
class SendReceiveTest {
    private static final int MiB = 1 << 20;
    private final Btrfs fs = new Btrfs();

    /** A stream received under another name is the same subvolume, full and incremental: same data, uuid chain. */
    @Test
    void aStreamReceivedUnderAnotherNameKeepsItsUuidChain(LoopBtrfs a, LoopBtrfs b) throws IOException {
        Subvolume work = fs.createSubvolume(a.root().resolve("work"));
        byte[] data = FileOpsTest.writeRandom(work.path().resolve("disk.img"), 4 * MiB, 12);
        Subvolume s1 = fs.snapshot(work.path(), a.root().resolve("s1"), true);
        Subvolume r1;
        try (SendStream send = fs.send(s1.path(), Optional.empty(), List.of())) {
            r1 = fs.receive(send.stream(), b.root(), "s1.partial");
            send.awaitSuccess();
        }
        assertEquals(b.root().resolve("s1.partial"), r1.path());
        assertFalse(Files.exists(b.root().resolve("s1")));
        assertEquals(Optional.of(s1.uuid()), r1.receivedUuid());
        assertTrue(r1.readOnly());
        assertArrayEquals(data, Files.readAllBytes(r1.path().resolve("disk.img")));
        Files.move(r1.path(), b.root().resolve("s1"), StandardCopyOption.ATOMIC_MOVE); // renamed in place once complete

        Files.writeString(work.path().resolve("new-file"), "hello");
        Subvolume s2 = fs.snapshot(work.path(), a.root().resolve("s2"), true);
        Subvolume r2;
        try (SendStream send = fs.send(s2.path(), Optional.of(s1.path()), List.of())) {
            r2 = fs.receive(send.stream(), b.root(), "s2.partial");
            send.awaitSuccess();
        }
        assertEquals(Optional.of(s2.uuid()), r2.receivedUuid());
        assertEquals(Optional.of(r1.uuid()), r2.parentUuid(), "incremental on the renamed parent");
        assertEquals("hello", Files.readString(r2.path().resolve("new-file")));
        assertArrayEquals(data, Files.readAllBytes(r2.path().resolve("disk.img")));
        assertThrows(IllegalArgumentException.class, () -> fs.receive(new ByteArrayInputStream(new byte[0]), b.root(), "../x"));
    }

    @Test
    void fullThenIncrementalSendKeepTheReceivedUuidChain(LoopBtrfs a, LoopBtrfs b) throws IOException {
        Subvolume work = fs.createSubvolume(a.root().resolve("work"));
        byte[] data = FileOpsTest.writeRandom(work.path().resolve("disk.img"), 8 * MiB, 11);
        Subvolume s1 = fs.snapshot(work.path(), a.root().resolve("s1"), true);

        Subvolume r1 = transfer(s1.path(), Optional.empty(), b.root());
        assertEquals(b.root().resolve("s1"), r1.path());
        assertEquals(Optional.of(s1.uuid()), r1.receivedUuid(), "B's received uuid is A's uuid");
        assertTrue(r1.readOnly());
        assertArrayEquals(data, Files.readAllBytes(r1.path().resolve("disk.img")));

        try (FileChannel ch = FileChannel.open(work.path().resolve("disk.img"), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("rewritten block".getBytes()), 3 * MiB);
        }
        Files.writeString(work.path().resolve("new-file"), "hello");
        Subvolume s2 = fs.snapshot(work.path(), a.root().resolve("s2"), true);

        Subvolume r2 = transfer(s2.path(), Optional.of(s1.path()), b.root());
        assertEquals(Optional.of(s2.uuid()), r2.receivedUuid());
        assertEquals(Optional.of(r1.uuid()), r2.parentUuid(), "an incremental receive snapshots the received parent");
        assertArrayEquals(Files.readAllBytes(s2.path().resolve("disk.img")), Files.readAllBytes(r2.path().resolve("disk.img")));
        assertEquals("hello", Files.readString(r2.path().resolve("new-file")));
        assertArrayEquals(data, Files.readAllBytes(r1.path().resolve("disk.img")), "the parent is untouched");
        assertTrue(fs.list(b.root()).stream().anyMatch(s -> s.equals(r2)));

        // a cut incremental stream leaves neither a half s3 nor any damage to what B already had
        Files.writeString(work.path().resolve("third"), "3");
        Subvolume s3 = fs.snapshot(work.path(), a.root().resolve("s3"), true);
        byte[] incremental;
        try (SendStream s = fs.send(s3.path(), Optional.of(s2.path()), List.of())) {
            incremental = s.stream().readAllBytes();
            s.awaitSuccess();
        }
        InputStream cut = new ByteArrayInputStream(Arrays.copyOf(incremental, incremental.length - 20));
        assertThrows(BtrfsException.class, () -> fs.receive(cut, b.root()));
        assertEquals(List.of("s1", "s2"), names(b.root()));
        Subvolume r2After = fs.show(r2.path()); // its generation may move: snapshotting a subvolume touches its root
        assertEquals(List.of(r2.uuid(), r2.receivedUuid(), r2.readOnly()),
                List.of(r2After.uuid(), r2After.receivedUuid(), r2After.readOnly()));

        // clone sources without an explicit parent: btrfs-progs picks the parent among them
        Subvolume r3 = transfer(s3.path(), Optional.empty(), List.of(s1.path(), s2.path()), b.root());
        assertEquals(Optional.of(s3.uuid()), r3.receivedUuid());
        assertEquals(Optional.of(r2.uuid()), r3.parentUuid());
        assertEquals("3", Files.readString(r3.path().resolve("third")));
    }

    @Test
    void truncatedStreamsLeaveNoSubvolumeBehind(LoopBtrfs a, LoopBtrfs b) throws IOException {
        byte[] stream = fullStream(a);
        for (int cut : new int[] {stream.length / 2, stream.length - SendStreamFraming.COMMAND_HEADER, 100}) {
            InputStream in = new ByteArrayInputStream(Arrays.copyOf(stream, cut));
            BtrfsException e = assertThrows(BtrfsException.class, () -> fs.receive(in, b.root()), "cut at " + cut);
            assertTrue(e.getMessage().startsWith("receive " + b.root() + ": "), e.getMessage());
            assertEquals(List.of(), names(b.root()), "cut at " + cut + ": " + e.getMessage());
        }
        // and the complete stream still goes through afterwards
        Subvolume r = fs.receive(new ByteArrayInputStream(stream), b.root());
        assertEquals(List.of("snap"), names(b.root()));
        assertTrue(r.receivedUuid().isPresent());
    }

    @Test
    void interruptedReceiveLeavesNoSubvolumeBehind(LoopBtrfs a, LoopBtrfs b) throws IOException {
        byte[] stream = fullStream(a);
        InputStream interrupting = new FilterInputStream(new ByteArrayInputStream(stream)) {
            private int reads;
            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                if (++reads == 2) Thread.currentThread().interrupt();
                return super.read(buf, off, Math.min(len, 64 * 1024));
            }
        };
        try {
            BtrfsException e = assertThrows(BtrfsException.class, () -> fs.receive(interrupting, b.root()));
            assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept for the caller");
        } finally {
            Thread.interrupted();
        }
        assertEquals(List.of(), names(b.root()));
    }

    @Test
    void aBrokenSourceStreamIsReportedAsSuchAndCleanedUp(LoopBtrfs a, LoopBtrfs b) throws IOException {
        byte[] stream = fullStream(a);
        InputStream dropping = new FilterInputStream(new ByteArrayInputStream(stream)) {
            private long delivered;
            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                if (delivered > stream.length / 2) throw new IOException("connection reset by replication peer");
                int n = super.read(buf, off, Math.min(len, 64 * 1024));
                delivered += Math.max(n, 0);
                return n;
            }
        };
        BtrfsException e = assertThrows(BtrfsException.class, () -> fs.receive(dropping, b.root()));
        assertTrue(e.getMessage().contains("reading the stream failed") && e.getMessage().contains("connection reset"),
                e.getMessage());
        assertEquals(List.of(), names(b.root()));
    }

    @Test
    void receiveOntoAnExistingNameFailsAndKeepsTheExistingSubvolume(LoopBtrfs a, LoopBtrfs b) throws IOException {
        byte[] stream = fullStream(a);
        Subvolume mine = fs.createSubvolume(b.root().resolve("snap"));
        BtrfsException e = assertThrows(BtrfsException.class, () -> fs.receive(new ByteArrayInputStream(stream), b.root()));
        assertTrue(e.getMessage().contains(b.root().toString()) && e.getMessage().contains("File exists"), e.getMessage());
        assertTrue(e.stderr().contains("File exists") || e.getMessage().contains("btrfs receive:"), e.getMessage());
        assertEquals(mine, fs.show(mine.path()), "someone else's subvolume is never deleted");
    }

    @Test
    void sendErrorsNameTheSnapshotAndBtrfsProgsWords(LoopBtrfs a) throws IOException {
        Subvolume writable = fs.createSubvolume(a.root().resolve("rw"));
        try (SendStream s = fs.send(writable.path(), Optional.empty(), List.of())) {
            s.stream().readAllBytes();
            BtrfsException e = assertThrows(BtrfsException.class, s::awaitSuccess);
            assertTrue(e.getMessage().startsWith("send " + writable.path() + ": exit "), e.getMessage());
            assertTrue(e.stderr().contains("read-only"), e.stderr());
        }
        Path missingDir = a.root().resolve("nowhere");
        BtrfsException e = assertThrows(BtrfsException.class,
                () -> fs.receive(new ByteArrayInputStream(fullStream(a)), missingDir));
        assertTrue(e.getMessage().contains(missingDir.toString()) && e.getMessage().contains("ERROR"), e.getMessage());
    }

    @Test
    void notAStreamIsRefused(LoopBtrfs b) {
        BtrfsException e = assertThrows(BtrfsException.class,
                () -> fs.receive(new ByteArrayInputStream(new byte[4096]), b.root()));
        assertTrue(e.getMessage().contains("not a btrfs send stream"), e.getMessage());
        assertEquals(List.of(), names(b.root()));
    }

    private Subvolume transfer(Path snapshot, Optional<Path> parent, Path dest) throws IOException {
        return transfer(snapshot, parent, List.of(), dest);
    }

    private Subvolume transfer(Path snapshot, Optional<Path> parent, List<Path> cloneSources, Path dest)
            throws IOException {
        try (SendStream s = fs.send(snapshot, parent, cloneSources)) {
            Subvolume r = fs.receive(s.stream(), dest);
            s.awaitSuccess();
            return r;
        }
    }

    private byte[] fullStream(LoopBtrfs a) throws IOException {
        Path snap = a.root().resolve("snap");
        if (!Files.exists(snap)) {
            Subvolume work = fs.createSubvolume(a.root().resolve("work-for-stream"));
            FileOpsTest.writeRandom(work.path().resolve("disk.img"), 4 * MiB, 12);
            Files.writeString(work.path().resolve("small"), "x".repeat(1000));
            fs.snapshot(work.path(), snap, true);
        }
        try (SendStream s = fs.send(snap, Optional.empty(), List.of())) {
            byte[] bytes = s.stream().readAllBytes();
            s.awaitSuccess();
            return bytes;
        }
    }

    private static List<String> names(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
