package org.icbd.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.icbd.btrfs.Btrfs;
import org.icbd.btrfs.FileExtents;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.btrfs.Subvolume;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Images, versions and clones on a real loop-mounted btrfs (skipped, with the reason, where the machine cannot). */
class VolumeManagerTest {

    private static final int MIB = 1 << 20;
    private static final VolumeName GOLD = new VolumeName("gold");

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(512L * MIB);

    @TempDir
    Path tmp;

    private Path root;
    private VolumeManager volumes;

    @BeforeEach
    void openDataRoot() throws IOException {
        root = btrfs.fs().root().resolve("icbd");
        volumes = VolumeManager.open(root);
    }

    @Test
    void importPublishAndCloneMakeTheLayoutBtrfsSubvolumeListShows() throws IOException {
        Path source = image(64 * MIB, 8 * MIB, 1);
        long[] lastProgress = {0};
        volumes.importImage(GOLD, source, done -> lastProgress[0] = done);
        assertEquals(64L * MIB, lastProgress[0], "progress reaches the image size");
        Path work = VolumeLayout.disk(volumes.layout().work(GOLD));
        assertEquals(64L * MIB, Files.size(work));
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(work));
        assertTrue(allocatedBytes(work) <= 9L * MIB, "the hole after the first 8 MiB stays a hole: " + allocatedBytes(work));

        assertEquals(1, volumes.publish(GOLD));
        volumes.createClone(GOLD, 0, new VolumeName("ws01"));

        Map<String, Boolean> readOnlyByPath = new Btrfs().list(root).stream().collect(Collectors.toMap(
                s -> root.relativize(s.path().toAbsolutePath()).toString(), Subvolume::readOnly));
        assertEquals(Map.of("images/gold/work", false, "images/gold/versions/1", true, "clones/ws01", false), readOnlyByPath);
        assertTrue(volumes.instantClones());
    }

    @Test
    void aFreshCloneSharesEveryExtentWithItsVersionAndItsWritesStayItsOwn() throws IOException {
        volumes.importImage(GOLD, image(32 * MIB, 32 * MIB, 2), done -> { });
        volumes.publish(GOLD);
        VolumeName ws01 = new VolumeName("ws01");
        VolumeName ws02 = new VolumeName("ws02");
        volumes.createClone(GOLD, 1, ws01);
        volumes.createClone(GOLD, 1, ws02);
        Path version = volumes.versionDisk(GOLD, 1);
        Path clone = volumes.cloneDisk(ws01);
        byte[] versionBytes = Files.readAllBytes(version);

        assertEquals(physical(version), physical(clone), "a fresh clone is the version's extents, not a copy");
        assertTrue(FileExtents.map(clone, 0, 32L * MIB).stream().allMatch(FileExtents.Extent::shared));

        byte[] mine = new byte[MIB];
        Arrays.fill(mine, (byte) 0xab);
        try (FileChannel ch = FileChannel.open(clone, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(mine), 4L * MIB);
            ch.force(true);
        }
        assertArrayEquals(versionBytes, Files.readAllBytes(version), "the version never changes");
        assertArrayEquals(versionBytes, Files.readAllBytes(volumes.cloneDisk(ws02)), "the other clone still reads the version");
        assertFalse(physical(version).containsAll(physical(clone)), "the rewritten MiB has its own extent now");
    }

    @Test
    void resetThrowsAwayWritesAndKeepsTheIdentity() throws IOException {
        volumes.importImage(GOLD, image(4 * MIB, 4 * MIB, 3), done -> { });
        volumes.publish(GOLD);
        VolumeName ws = new VolumeName("ws01");
        volumes.createClone(GOLD, 1, ws);
        var identity = volumes.cloneIdentity(ws);
        Files.write(volumes.cloneDisk(ws), new byte[4 * MIB]); // the workstation wipes its disk

        volumes.resetClone(ws);

        assertArrayEquals(Files.readAllBytes(volumes.versionDisk(GOLD, 1)), Files.readAllBytes(volumes.cloneDisk(ws)));
        assertEquals(identity, volumes.cloneIdentity(ws));
        assertEquals(identity, VolumeManager.open(root).cloneIdentity(ws), "the identity survives a restart");
        assertFalse(Files.exists(root.resolve("clones/.ws01.resetting")));
    }

    @Test
    void versionsAreReadOnlyOnDisk() throws IOException {
        volumes.importImage(GOLD, image(MIB, MIB, 4), done -> { });
        volumes.publish(GOLD);
        Path version = volumes.versionDisk(GOLD, 1);
        // a read-only subvolume refuses even root
        assertThrows(IOException.class, () -> FileChannel.open(version, StandardOpenOption.WRITE).close());
    }

    @Test
    void anImageWithClonesCannotBeDeletedAndTheMessageNamesThem() throws IOException {
        volumes.importImage(GOLD, image(MIB, MIB, 5), done -> { });
        volumes.publish(GOLD);
        volumes.publish(GOLD);
        volumes.createClone(GOLD, 1, new VolumeName("ws01"));
        volumes.createClone(GOLD, 2, new VolumeName("ws02"));

        VolumeException e = assertThrows(VolumeException.class, () -> volumes.deleteImage(GOLD));
        assertTrue(e.getMessage().contains("ws01") && e.getMessage().contains("ws02"), e.getMessage());
        assertTrue(Files.exists(volumes.versionDisk(GOLD, 1)), "nothing was deleted");

        volumes.deleteClone(new VolumeName("ws01"));
        volumes.deleteClone(new VolumeName("ws02"));
        volumes.deleteImage(GOLD);
        assertEquals(CatalogState.empty(), volumes.state());
        assertEquals(List.of(), new Btrfs().list(root));
        assertFalse(Files.exists(root.resolve("images/gold")));
    }

    @Test
    void mistakesGetClearErrorsAndChangeNothing() throws IOException {
        volumes.importImage(GOLD, image(MIB, MIB, 6), done -> { });
        CatalogState before = volumes.state();

        assertMessage("no published version", () -> volumes.createClone(GOLD, 0, new VolumeName("ws01")));
        volumes.publish(GOLD);
        before = volumes.state();
        assertMessage("versions 1 to 1, not 7", () -> volumes.createClone(GOLD, 7, new VolumeName("ws01")));
        assertMessage("no image named nope", () -> volumes.createClone(new VolumeName("nope"), 0, new VolumeName("ws01")));
        assertMessage("already exists", () -> volumes.importImage(GOLD, image(MIB, MIB, 7), d -> { }));
        Path missing = tmp.resolve("missing.img");
        assertMessage(missing + ": not a regular file", () -> volumes.importImage(new VolumeName("other"), missing, d -> { }));
        assertMessage("no clone named ws09", () -> volumes.resetClone(new VolumeName("ws09")));
        assertEquals(before, volumes.state());
        assertFalse(Files.exists(root.resolve("images/other")));
        assertFalse(Files.exists(root.resolve("clones/ws01")));
    }

    @Test
    void aFullFileSystemFailsTheImportAndLeavesNothingBehind() throws IOException {
        volumes.importImage(GOLD, image(MIB, MIB, 8), done -> { });
        CatalogState before = volumes.state();
        // more incompressible data than the 512 MiB file system can hold
        Path huge = image(640 * MIB, 640 * MIB, 9);

        VolumeException e = assertThrows(VolumeException.class, () -> volumes.importImage(new VolumeName("huge"), huge, d -> { }));
        assertTrue(e.getMessage().contains("huge") && e.getMessage().toLowerCase().contains("space"), e.getMessage());
        assertEquals(before, volumes.state());
        assertFalse(Files.exists(root.resolve("images/huge")), "the half-imported subvolume is gone");
        assertEquals(Set.of("images/gold/work"), new Btrfs().list(root).stream()
                .map(s -> root.relativize(s.path().toAbsolutePath()).toString()).collect(Collectors.toSet()));

        // and the space came back: the node goes on working
        volumes.publish(GOLD);
        volumes.createClone(GOLD, 1, new VolumeName("ws01"));
        volumes.importImage(new VolumeName("small"), image(32 * MIB, 32 * MIB, 10), d -> { });
    }

    private static void assertMessage(String expected, Executable op) {
        VolumeException e = assertThrows(VolumeException.class, op);
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    /** A sparse raw image of {@code size} bytes with random data in its first {@code filled} bytes. */
    private Path image(int size, int filled, long seed) throws IOException {
        Path p = Files.createTempFile(tmp, "src-", ".img");
        Random r = new Random(seed);
        byte[] chunk = new byte[MIB];
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            for (long off = 0; off < filled; off += MIB) {
                r.nextBytes(chunk);
                f.write(chunk, 0, (int) Math.min(MIB, filled - off));
            }
            f.setLength(size);
        }
        return p;
    }

    private static Set<Long> physical(Path file) throws IOException {
        return FileExtents.map(file, 0, Files.size(file), true).stream().map(FileExtents.Extent::physical)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static long allocatedBytes(Path file) throws IOException {
        return FileExtents.map(file, 0, Files.size(file), true).stream().mapToLong(FileExtents.Extent::length).sum();
    }
}
