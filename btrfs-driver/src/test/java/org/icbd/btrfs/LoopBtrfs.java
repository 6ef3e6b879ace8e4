package org.icbd.btrfs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.icbd.exec.ExternalCommand;

import org.icbd.testsupport.Requires;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fresh btrfs for one test: a sparse image file, {@code mkfs.btrfs}, a loop device and a mount in a temp
 * directory. {@link #close()} unmounts, detaches and deletes everything; a JVM shutdown hook does the same if a
 * test runner dies before closing it. Needs root, btrfs-progs and loop devices; see {@link #unavailableReason()}.
 */
public final class LoopBtrfs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoopBtrfs.class);
    /** mkfs.btrfs refuses much less than this with its default (DUP metadata) profile. */
    public static final long MIN_SIZE = 128L << 20;

    private final Path dir;
    private final Path image;
    private final Path device;
    private final Path root;
    private final Thread hook;
    private boolean closed;

    private LoopBtrfs(Path dir, Path image, Path device, Path root) {
        this.dir = dir;
        this.image = image;
        this.device = device;
        this.root = root;
        this.hook = new Thread(this::closeQuietly, "icbd-loopbtrfs-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Why this machine cannot make a loop btrfs, or empty when it can. */
    public static Optional<String> unavailableReason() {
        return Availability.REASON;
    }

    public static LoopBtrfs create(long sizeBytes) throws IOException {
        Optional<String> reason = unavailableReason();
        if (reason.isPresent()) throw new IOException("cannot create a loop btrfs: " + reason.get());
        long size = Math.max(sizeBytes, MIN_SIZE);
        Path dir = Files.createTempDirectory("icbd-btrfs-");
        Path image = dir.resolve("fs.img");
        Path mnt = dir.resolve("mnt");
        List<Runnable> undo = new ArrayList<>();
        undo.add(() -> deleteTree(dir));
        try {
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(size);
            }
            Command.check("mkfs.btrfs", image, List.of(Command.require("mkfs.btrfs"), "-q", "-f", image.toString()));
            String dev = Command.check("losetup", image,
                    List.of(Command.require("losetup"), "-f", "--show", image.toString())).stdout().strip();
            Path device = Path.of(dev);
            undo.add(0, () -> detach(device));
            Files.createDirectory(mnt);
            Command.check("mount", mnt, List.of(Command.require("mount"), "-t", "btrfs", dev, mnt.toString()));
            return new LoopBtrfs(dir, image, device, mnt);
        } catch (IOException | RuntimeException e) {
            for (Runnable r : undo) r.run();
            throw e;
        }
    }

    /** The mount point: the file system's top-level subvolume. */
    public Path root() { return root; }
    /** The loop device, e.g. /dev/loop3. */
    public Path device() { return device; }
    /** The backing image file. */
    public Path image() { return image; }

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook itself is running us
        }
        IOException first = null;
        try {
            unmount(root);
        } catch (IOException e) {
            first = e;
        }
        if (first != null) throw first; // never walk (and delete) a file system that is still mounted
        detach(device);
        deleteTree(dir);
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException e) {
            log.warn("cleanup of {} failed: {}", root, e.getMessage());
        }
    }

    private static void unmount(Path mnt) throws IOException {
        ExternalCommand.Result r = Command.run(List.of(Command.require("umount"), mnt.toString()));
        if (r.ok()) return;
        // a process still holding a file must not leave the loop device busy forever: detach lazily
        ExternalCommand.Result lazy = Command.run(List.of(Command.require("umount"), "-l", mnt.toString()));
        if (!lazy.ok()) throw BtrfsException.progs("umount", mnt, lazy.exit(), r.stderr() + lazy.stderr());
        log.warn("{} was busy ({}); unmounted lazily", mnt, r.stderr().strip());
    }

    private static void detach(Path device) {
        try {
            ExternalCommand.Result r = Command.run(List.of(Command.require("losetup"), "-d", device.toString()));
            if (!r.ok()) log.warn("losetup -d {} failed: {}", device, r.stderr().strip());
        } catch (IOException e) {
            log.warn("losetup -d {} failed: {}", device, e.getMessage());
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete {}: {}", dir, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "LoopBtrfs[" + device + " on " + root + "]";
    }

    /** Computed once: these facts do not change while a JVM runs. */
    private static final class Availability {
        static final Optional<String> REASON = probe();

        private static Optional<String> probe() {
            if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) return Optional.of("not Linux");
            if (!Requires.isRoot()) return Optional.of("not root (loop mounts need root)");
            for (String tool : List.of("mkfs.btrfs", "btrfs", "losetup", "mount", "umount")) {
                if (ExternalCommand.which(tool).isEmpty()) return Optional.of(tool + " not found (install btrfs-progs/util-linux)");
            }
            if (!Files.exists(Path.of("/dev/loop-control"))) return Optional.of("no /dev/loop-control (no loop devices)");
            if (!btrfsKnownToKernel()) return Optional.of("kernel has no btrfs (not in /proc/filesystems, modprobe failed)");
            return Optional.empty();
        }

        private static boolean btrfsKnownToKernel() {
            if (listed()) return true;
            try {
                Optional<String> modprobe = ExternalCommand.which("modprobe");
                if (modprobe.isPresent()) Command.run(List.of(modprobe.get(), "-q", "btrfs"));
            } catch (IOException ignored) {
                // fall through to the second look
            }
            return listed();
        }

        private static boolean listed() {
            try {
                return Files.readAllLines(Path.of("/proc/filesystems")).stream().anyMatch(l -> l.strip().endsWith("btrfs"));
            } catch (IOException e) {
                return false;
            }
        }
    }
}
