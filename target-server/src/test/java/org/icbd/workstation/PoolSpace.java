package org.icbd.workstation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;

/** A small loop btrfs's free space as the space tests fill and free it. */
public final class PoolSpace {

    public static final int MIB = 1 << 20;

    private PoolSpace() {
    }

    /** A data root in {@code fs} holding image "gold" (1 MiB), its version 1 published; the file system committed. */
    public static VolumeManager withGold(Path fs) throws Exception {
        VolumeManager volumes = VolumeManager.open(fs.resolve("icbd"));
        Path source = fs.resolve("gold.img");
        try (RandomAccessFile f = new RandomAccessFile(source.toFile(), "rw")) {
            f.setLength(MIB);
        }
        volumes.importImage(new VolumeName("gold"), source, done -> { });
        volumes.publish(new VolumeName("gold"));
        commit(fs);
        return volumes;
    }

    /** Writes {@code mib} MiB of random bytes into {@code file} from {@code offsetMib} on, synced to disk. */
    public static void fill(Path file, long offsetMib, int mib) throws IOException {
        byte[] chunk = new byte[MIB];
        Random r = new Random(7);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            for (int i = 0; i < mib; i++) {
                r.nextBytes(chunk); // incompressible, so the pool fills whatever the mount options
                f.seek((offsetMib + i) * MIB);
                f.write(chunk);
            }
            f.getFD().sync();
        }
    }

    /** Deletes {@code file} and commits until its space is free again (more than {@code above} bytes free), or a minute passed. */
    public static void free(Path file, Path fs, long above) throws Exception {
        Files.delete(file);
        long deadline = System.nanoTime() + 60_000_000_000L;
        do {
            commit(fs); // btrfs gives a deleted file's extents back at a commit
        } while (free(fs) <= above && System.nanoTime() < deadline);
    }

    /** Commits the file system, so what it reports free is what the writes left. */
    public static void commit(Path root) throws Exception {
        Process p = new ProcessBuilder("btrfs", "filesystem", "sync", root.toString()).redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
    }

    public static long free(Path root) throws IOException {
        return Files.getFileStore(root).getUsableSpace();
    }
}
