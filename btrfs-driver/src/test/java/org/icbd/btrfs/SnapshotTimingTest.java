package org.icbd.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A clone (writable snapshot of a version) of an image holding 16 times the data takes about the same
 * time: btrfs snapshots copy one tree root, not the data (a copy of the image would grow with it).
 * The two images' clones are timed in turns, so load on the machine weighs on both alike, and their
 * fastest times compared (load only ever adds to a time: the fastest is the clone's own cost); the
 * times are printed.
 */
class SnapshotTimingTest {
    private static final long MiB = 1L << 20;
    private static final long GiB = 1L << 30;
    private static final int CLONES = 9;
    /** The large image holds 16 times the small one's data; a clone time that grew with it would be ~16 times. */
    private static final double MAX_RATIO = 4;
    /** What scheduling noise alone can add to a clone of a few milliseconds on a loaded machine. */
    private static final long NOISE_NANOS = 10_000_000;

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(48 * GiB); // sparse: only written blocks use disk
    private final Btrfs fs = new Btrfs();

    /** An image of {@code size} bytes whose first {@code data} bytes are written, and its read-only version. */
    private record Image(String name, long size, long data, Subvolume version) {
    }

    @Test
    void cloneTimeDoesNotGrowWithTheDataTheImageHolds() throws IOException {
        Path root = btrfs.fs().root();
        Image small = image(root, "small", GiB, 64 * MiB);
        Image large = image(root, "large", 32 * GiB, GiB);
        long[][] nanos = new long[2][CLONES];
        for (int i = 0; i < CLONES; i++) {
            nanos[0][i] = cloneNanos(root, small, i);
            nanos[1][i] = cloneNanos(root, large, i);
        }
        long smallFastest = fastest(nanos[0]);
        long largeFastest = fastest(nanos[1]);
        for (Image img : List.of(small, large)) {
            long[] t = nanos[img == small ? 0 : 1];
            long median = median(t); // sorts t
            System.out.printf("writable snapshot of a %d GiB image holding %d MiB of data: min %.1f ms, median %.1f ms, max %.1f ms over %d clones%n",
                    img.size() / GiB, img.data() / MiB, t[0] / 1e6, median / 1e6, t[CLONES - 1] / 1e6, CLONES);
            assertSharesEveryExtent(root, img);
        }
        assertTrue(largeFastest <= MAX_RATIO * smallFastest + NOISE_NANOS, String.format(
                "a clone of 16x the data took %.1f ms against %.1f ms (fastest of %d): it grows with the data",
                largeFastest / 1e6, smallFastest / 1e6, CLONES));
    }

    private Image image(Path root, String name, long size, long data) throws IOException {
        Path work = fs.createSubvolume(root.resolve("work-" + name)).path();
        writeImage(work.resolve("disk.img"), size, data);
        sync(root);
        Subvolume version = fs.snapshot(work, root.resolve("version-" + name), true);
        sync(root);
        return new Image(name, size, data, version);
    }

    private long cloneNanos(Path root, Image img, int i) throws IOException {
        long t0 = System.nanoTime();
        fs.snapshot(img.version().path(), root.resolve("clone-" + img.name() + "-" + i), false);
        long t = System.nanoTime() - t0;
        assertTrue(t < 2_000_000_000L, "writable snapshot of the " + img.name() + " image took " + t / 1_000_000 + " ms");
        return t;
    }

    /** A fresh clone shares every extent of its version's image, and only the written part is allocated. */
    private static void assertSharesEveryExtent(Path root, Image img) throws IOException {
        Path cloneImage = root.resolve("clone-" + img.name() + "-0").resolve("disk.img");
        List<FileExtents.Extent> v = FileExtents.map(img.version().path().resolve("disk.img"), 0, img.size());
        List<FileExtents.Extent> c = FileExtents.map(cloneImage, 0, img.size());
        assertEquals(v, c);
        assertEquals(img.data(), c.stream().mapToLong(FileExtents.Extent::length).sum(), "only the written part is allocated");
        assertTrue(c.stream().allMatch(FileExtents.Extent::shared));
        assertEquals(img.size(), Files.size(cloneImage));
    }

    /** Sorts {@code t} and returns its median. */
    private static long median(long[] t) {
        Arrays.sort(t);
        return t[t.length / 2];
    }

    private static long fastest(long[] t) {
        return Arrays.stream(t).min().orElseThrow();
    }

    /** A sparse file of {@code size} bytes whose first {@code dataBytes} are random. */
    private static void writeImage(Path image, long size, long dataBytes) throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long off = 0; off < dataBytes; off += buf.capacity()) {
                buf.clear();
                while (buf.hasRemaining()) buf.putLong(random.nextLong());
                buf.flip();
                while (buf.hasRemaining()) ch.write(buf, off + buf.position());
            }
            ch.force(true);
        }
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(size); // the rest is a hole
        }
    }

    private static void sync(Path p) throws BtrfsException {
        Command.check("sync", p, List.of(Command.require("btrfs"), "filesystem", "sync", p.toString()));
    }
}
