package org.icbd.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.icbd.btrfs.HolePuncher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlockDeviceTest {

    @TempDir
    Path dir;

    private Path image(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    /** st_blocks, which Java does not expose: what the file really occupies. */
    private static long allocatedBytes(Path p) throws IOException {
        Process stat = new ProcessBuilder("stat", "-c", "%b*%B", p.toString()).redirectErrorStream(true).start();
        String[] f = new String(stat.getInputStream().readAllBytes()).strip().split("\\*");
        return Long.parseLong(f[0]) * Long.parseLong(f[1]);
    }

    @Test
    void unmapOnAThinDeviceGivesTheSpaceBackAndReadsZeros() throws IOException {
        Path img = image("thin.img", 8 << 20);
        assumeTrue(HolePuncher.supported(img), "the file system under " + dir + " cannot punch holes");
        byte[] data = new byte[4 << 20];
        new Random(7).nextBytes(data);
        try (FileBlockDevice d = FileBlockDevice.openThinIfPossible(img, false, 512, null)) {
            assertTrue(d.supportsUnmap());
            d.write(1 << 20, ByteBuffer.wrap(data), true);
            long before = allocatedBytes(img);
            assertTrue(before >= data.length, "written data is allocated: " + before);

            d.unmap(1 << 20, 2 << 20);

            long after = allocatedBytes(img);
            assertTrue(before - after >= (2 << 20) - 8192, "unmap released " + (before - after) + " bytes");
            ByteBuffer hole = ByteBuffer.allocate(2 << 20);
            d.read(1 << 20, hole);
            assertArrayEquals(new byte[2 << 20], hole.array());
            ByteBuffer kept = ByteBuffer.allocate(2 << 20);
            d.read(3 << 20, kept);
            assertArrayEquals(Arrays.copyOfRange(data, 2 << 20, 4 << 20), kept.array(), "data next to the hole is kept");
        }
    }

    @Test
    void allocationFollowsWritesAndUnmaps() throws IOException {
        Path img = image("alloc.img", 4 << 20);
        assumeTrue(HolePuncher.supported(img), "the file system under " + dir + " cannot punch holes");
        try (FileBlockDevice d = FileBlockDevice.openThinIfPossible(img, false, 512, null)) {
            long size = d.sizeBytes();
            assertEquals(new BlockDevice.AllocationRun(false, size), d.allocation(0, size), "a fresh sparse image is one hole");

            d.write(1 << 20, ByteBuffer.wrap(new byte[64 << 10]).put(0, (byte) 1), true);
            BlockDevice.AllocationRun hole = d.allocation(0, size);
            assertFalse(hole.mapped());
            assertTrue(hole.length() <= 1 << 20 && hole.length() > 0, "the hole ends at or before the data: " + hole);
            BlockDevice.AllocationRun data = d.allocation(1 << 20, size - (1 << 20));
            assertTrue(data.mapped());
            assertTrue(data.length() >= 64 << 10 && data.length() % 512 == 0, "the data run covers the write: " + data);
            BlockDevice.AllocationRun tail = d.allocation((1 << 20) + data.length(), size - (1 << 20) - data.length());
            assertFalse(tail.mapped(), "after the data the file is a hole again");

            d.unmap(1 << 20, 64 << 10);
            assertEquals(new BlockDevice.AllocationRun(false, size), d.allocation(0, size), "unmapped data is a hole again");
        }
    }

    @Test
    void aFullyProvisionedDeviceIsAllMapped() throws IOException {
        Path img = image("thick.img", 1 << 20);
        try (FileBlockDevice d = FileBlockDevice.open(img, false)) {
            assertEquals(new BlockDevice.AllocationRun(true, 1 << 20), d.allocation(0, 1 << 20));
        }
    }

    @Test
    void aReadOnlyImageIsNotThinAndRefusesWritesAndUnmap() throws IOException {
        Path img = image("ro.img", 1 << 20);
        try (FileBlockDevice d = FileBlockDevice.openThinIfPossible(img, true, 512, null)) {
            assertFalse(d.supportsUnmap());
            assertTrue(d.readOnly());
            assertThrows(IOException.class, () -> d.write(0, ByteBuffer.allocate(512), false));
            assertThrows(IOException.class, () -> d.unmap(0, 512));
        }
    }

    @Test
    void sizeIsRoundedDownToWholeBlocks() throws IOException {
        Path img = image("odd.img", (1 << 20) + 100);
        try (FileBlockDevice d = FileBlockDevice.openThinIfPossible(img, false, 4096, null)) {
            assertEquals(1 << 20, d.sizeBytes());
            assertEquals(256, d.blockCount());
            assertThrows(IllegalArgumentException.class, () -> d.read(1 << 20, ByteBuffer.allocate(1)));
        }
    }

    @Test
    void identityComesFromTheFileNotTheHost() throws IOException {
        Path img = image("id.img", 1 << 20);
        LunIdentity first;
        try (FileBlockDevice d = FileBlockDevice.openThinIfPossible(img, false, 512, null)) {
            first = d.identity();
        }
        try (FileBlockDevice d = FileBlockDevice.openThinIfPossible(img, true, 512, null)) {
            assertEquals(first, d.identity(), "reopening the same file gives the same serial and NAA");
        }
        LunIdentity given = LunIdentity.fromVolumeKey("clone:ws01");
        try (FileBlockDevice d = FileBlockDevice.openThinIfPossible(img, false, 512, given)) {
            assertEquals(given, d.identity());
        }
    }
}
