package org.icbd.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Subvolume calls on a real loop-mounted btrfs. */
class BtrfsTest {
    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(512L << 20);
    private final Btrfs fs = new Btrfs();

    @Test
    void recognisesBtrfs(@TempDir Path notBtrfs) {
        assertTrue(fs.isBtrfs(btrfs.fs().root()));
        assertFalse(fs.isBtrfs(notBtrfs), notBtrfs + " is on the machine's root file system");
        assertFalse(fs.isBtrfs(btrfs.fs().root().resolve("missing")));
    }

    @Test
    void createShowAndDelete() throws IOException {
        Path work = btrfs.fs().root().resolve("work");
        Subvolume s = fs.createSubvolume(work);
        assertEquals(work, s.path());
        assertTrue(s.id() >= 256, "id " + s.id());
        assertEquals(Optional.empty(), s.parentUuid());
        assertEquals(Optional.empty(), s.receivedUuid());
        assertFalse(s.readOnly());
        assertEquals(s, fs.show(work));
        assertTrue(Files.isDirectory(work));

        BtrfsException exists = assertThrows(BtrfsException.class, () -> fs.createSubvolume(work));
        assertTrue(exists.getMessage().startsWith("SUBVOL_CREATE " + work + ": EEXIST"), exists.getMessage());

        fs.deleteSubvolume(work);
        assertFalse(Files.exists(work));
        BtrfsException gone = assertThrows(BtrfsException.class, () -> fs.show(work));
        assertEquals("ENOENT", gone.errnoName().orElseThrow(), gone.getMessage());
    }

    @Test
    void errorsNameOperationPathAndErrno() throws IOException {
        Path root = btrfs.fs().root();
        Path plain = Files.createDirectory(root.resolve("plain"));
        BtrfsException notSub = assertThrows(BtrfsException.class, () -> fs.show(plain));
        assertEquals("GET_SUBVOL_INFO " + plain + ": EINVAL (Invalid argument): not a btrfs subvolume", notSub.getMessage());
        assertThrows(BtrfsException.class, () -> fs.deleteSubvolume(plain));
        assertTrue(Files.isDirectory(plain), "a plain directory is never deleted as a subvolume");

        Path orphan = root.resolve("no/such/parent");
        BtrfsException noParent = assertThrows(BtrfsException.class, () -> fs.createSubvolume(orphan));
        assertTrue(noParent.getMessage().contains(root.resolve("no/such").toString())
                && noParent.getMessage().contains("ENOENT"), noParent.getMessage());

        BtrfsException badName = assertThrows(BtrfsException.class, () -> fs.createSubvolume(root.resolve("x".repeat(300))));
        assertTrue(badName.getMessage().contains("EINVAL"), badName.getMessage());

        Path outer = fs.createSubvolume(root.resolve("outer")).path();
        fs.createSubvolume(outer.resolve("inner"));
        BtrfsException nested = assertThrows(BtrfsException.class, () -> fs.deleteSubvolume(outer));
        assertEquals("ENOTEMPTY", nested.errnoName().orElseThrow(), nested.getMessage());
    }

    @Test
    void writableAndReadOnlySnapshots() throws IOException {
        Path root = btrfs.fs().root();
        Subvolume work = fs.createSubvolume(root.resolve("work"));
        Files.writeString(work.path().resolve("disk.img"), "golden");

        Subvolume version = fs.snapshot(work.path(), root.resolve("v1"), true);
        assertTrue(version.readOnly());
        assertEquals(Optional.of(work.uuid()), version.parentUuid());
        assertNotEquals(work.uuid(), version.uuid());
        assertEquals("golden", Files.readString(version.path().resolve("disk.img")));
        assertThrows(IOException.class, () -> Files.writeString(version.path().resolve("disk.img"), "x"));

        Subvolume clone = fs.snapshot(version.path(), root.resolve("clone"), false);
        assertFalse(clone.readOnly());
        assertEquals(Optional.of(version.uuid()), clone.parentUuid());
        Files.writeString(clone.path().resolve("disk.img"), "changed");
        assertEquals("golden", Files.readString(version.path().resolve("disk.img")));

        BtrfsException taken = assertThrows(BtrfsException.class, () -> fs.snapshot(work.path(), clone.path(), false));
        assertTrue(taken.getMessage().contains(clone.path().toString()) && taken.getMessage().contains("EEXIST"),
                taken.getMessage());
        Path plain = Files.createDirectory(root.resolve("plain"));
        assertThrows(BtrfsException.class, () -> fs.snapshot(plain, root.resolve("nope"), false));
        assertFalse(Files.exists(root.resolve("nope")));
    }

    @Test
    void readOnlyFlagRoundTrips() throws IOException {
        Path work = fs.createSubvolume(btrfs.fs().root().resolve("work")).path();
        assertFalse(fs.isReadOnly(work));
        fs.setReadOnly(work, true);
        assertTrue(fs.isReadOnly(work));
        assertTrue(fs.show(work).readOnly());
        assertThrows(IOException.class, () -> Files.writeString(work.resolve("f"), "x"));
        fs.setReadOnly(work, false);
        assertFalse(fs.isReadOnly(work));
        Files.writeString(work.resolve("f"), "x");
    }

    @Test
    void generationGrowsWithCommittedWrites() throws IOException {
        Path work = fs.createSubvolume(btrfs.fs().root().resolve("work")).path();
        sync(work); // commit the transaction that created it, so the write below lands in a newer one
        long before = fs.show(work).generation();
        Files.writeString(work.resolve("f"), "x");
        sync(work);
        assertTrue(fs.show(work).generation() > before);
    }

    private static void sync(Path p) throws BtrfsException {
        Command.check("sync", p, List.of(Command.require("btrfs"), "filesystem", "sync", p.toString()));
    }

    @Test
    void listMatchesShowForEverySubvolume() throws IOException {
        Path root = btrfs.fs().root();
        Subvolume images = fs.createSubvolume(root.resolve("images"));
        Files.createDirectories(images.path().resolve("win 11/versions"));
        Subvolume work = fs.createSubvolume(images.path().resolve("win 11/work"));
        Subvolume v1 = fs.snapshot(work.path(), images.path().resolve("win 11/versions/1"), true);
        Subvolume clone = fs.snapshot(v1.path(), root.resolve("pc-01"), false);

        Map<Path, Subvolume> listed = fs.list(work.path().resolve(".")).stream()
                .collect(Collectors.toMap(Subvolume::path, Function.identity()));
        assertEquals(Map.of(images.path(), fs.show(images.path()), work.path(), fs.show(work.path()),
                v1.path(), fs.show(v1.path()), clone.path(), fs.show(clone.path())), listed);

        fs.deleteSubvolume(clone.path());
        assertFalse(fs.list(root).stream().anyMatch(s -> s.path().equals(clone.path())));
    }

    @Test
    void listThroughASubvolumeMountShowsOnlyWhatThatMountReaches(@TempDir Path mnt) throws IOException {
        Path root = btrfs.fs().root();
        Subvolume images = fs.createSubvolume(root.resolve("images"));
        Subvolume work = fs.createSubvolume(images.path().resolve("work"));
        fs.createSubvolume(root.resolve("elsewhere"));
        Command.check("mount", mnt, List.of(Command.require("mount"), "-o", "subvol=images",
                btrfs.fs().device().toString(), mnt.toString()));
        try {
            List<Subvolume> listed = fs.list(mnt);
            assertEquals(List.of(mnt.resolve("work")), listed.stream().map(Subvolume::path).toList());
            assertEquals(work.uuid(), listed.get(0).uuid());
        } finally {
            Command.check("umount", mnt, List.of(Command.require("umount"), mnt.toString()));
        }
    }
}
