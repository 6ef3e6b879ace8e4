package org.icbd.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A clone (writable snapshot of a version) takes the same time for a 1 GiB and a 32 GiB image: btrfs snapshots
 * copy one tree root, not the data. Prints the measured times; asserts only a bound no noise can break.
 */
class SnapshotTimingTest {
    private static final long GiB = 1L << 30;
    private static final int CLONES = 5;

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(48 * GiB); // sparse: only written blocks use disk
    private final Btrfs fs = new Btrfs();

    @Test
    void cloneTimeDoesNotGrowWithImageSize() throws IOException {
        Path root = btrfs.fs().root();
        List<String> report = new ArrayList<>();
        for (long size : new long[] {GiB, 32 * GiB}) {
            String name = (size / GiB) + "g";
            Path work = fs.createSubvolume(root.resolve("work-" + name)).path();
            Path image = work.resolve("disk.img");
            writeImage(image, size, GiB);
            sync(root);
            Subvolume version = fs.snapshot(work, root.resolve("version-" + name), true);
            sync(root);

            long[] ms = new long[CLONES];
            for (int i = 0; i < CLONES; i++) {
                long t0 = System.nanoTime();
                fs.snapshot(version.path(), root.resolve("clone-" + name + "-" + i), false);
                ms[i] = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms[i] < 2000, "writable snapshot of a " + name + " image took " + ms[i] + " ms");
            }
            java.util.Arrays.sort(ms);
            report.add(String.format("writable snapshot of %s sparse image (1 GiB random data): min %d ms, median %d ms, max %d ms over %d clones",
                    name, ms[0], ms[CLONES / 2], ms[CLONES - 1], CLONES));

            // a fresh clone shares every extent of its version's image
            Path cloneImage = root.resolve("clone-" + name + "-0").resolve("disk.img");
            List<FileExtents.Extent> v = FileExtents.map(version.path().resolve("disk.img"), 0, size);
            List<FileExtents.Extent> c = FileExtents.map(cloneImage, 0, size);
            assertEquals(v, c);
            assertEquals(GiB, c.stream().mapToLong(FileExtents.Extent::length).sum(), "only the first GiB is allocated");
            assertTrue(c.stream().allMatch(FileExtents.Extent::shared));
            assertEquals(size, Files.size(cloneImage));
        }
        report.forEach(System.out::println);
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
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(size); // the rest is a hole
        }
    }

    private static void sync(Path p) throws BtrfsException {
        Command.check("sync", p, List.of(Command.require("btrfs"), "filesystem", "sync", p.toString()));
    }
}
