package org.icbd.btrfs;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.icbd.exec.ExternalCommand;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subvolumes, snapshots and send/receive on btrfs. Creating, snapshotting, deleting and describing subvolumes
 * are ioctls (constant time, no process); listing, the read-only property and send/receive use btrfs-progs.
 * Thread-safe and stateless.
 */
public final class Btrfs {
    private static final Logger log = LoggerFactory.getLogger(Btrfs.class);
    static final long BTRFS_SUPER_MAGIC = 0x9123683EL;
    /** Every subvolume's root directory has this inode number. */
    private static final long BTRFS_FIRST_FREE_OBJECTID = 256;

    private static final long BTRFS_IOC_SUBVOL_CREATE = 0x5000940EL;
    private static final long BTRFS_IOC_SNAP_DESTROY = 0x5000940FL;
    private static final long BTRFS_IOC_SNAP_CREATE_V2 = 0x50009417L;
    private static final long BTRFS_IOC_SUBVOL_GETFLAGS = 0x80089419L;
    /** Some kernels return 1 from this ioctl on success (a b-tree search result leaking out), so only &lt; 0 fails. */
    private static final long BTRFS_IOC_GET_SUBVOL_INFO = 0x81F8943CL;
    private static final long BTRFS_SUBVOL_RDONLY = 1L << 1;
    private static final long BTRFS_ROOT_SUBVOL_RDONLY = 1L << 0;

    private static final int VOL_ARGS_SIZE = 4096;       // btrfs_ioctl_vol_args and _v2
    private static final int VOL_ARGS_NAME = 8;          // after __s64 fd
    private static final int VOL_ARGS_V2_FLAGS = 16;
    private static final int VOL_ARGS_V2_NAME = 56;
    private static final int NAME_MAX = 255;

    // struct btrfs_ioctl_get_subvol_info_args
    private static final int INFO_SIZE = 504;
    private static final int INFO_TREEID = 0, INFO_GENERATION = 280, INFO_FLAGS = 288;
    private static final int INFO_UUID = 296, INFO_PARENT_UUID = 312, INFO_RECEIVED_UUID = 328;

    private static final Pattern RECEIVED_NAME = Pattern.compile("^At (?:subvol|snapshot) (.+)$", Pattern.MULTILINE);

    /** True when {@code p} lives on a btrfs (statfs f_type); false for other file systems and missing paths. */
    public boolean isBtrfs(Path p) {
        // statfs by path, not open + fstatfs: opening a FIFO or device to ask would block or have side effects
        Pointer buf = Memory.allocateDirect(LibC.RUNTIME, 256);
        if (LibC.INSTANCE.statfs(p.toString(), buf) != 0) return false;
        return (buf.getLong(0) & 0xFFFFFFFFL) == BTRFS_SUPER_MAGIC; // f_type is the first field
    }

    /** Creates an empty subvolume at {@code p}; its parent directory must exist on btrfs. */
    public Subvolume createSubvolume(Path p) throws BtrfsException {
        Path path = p.toAbsolutePath().normalize();
        String name = leafName("SUBVOL_CREATE", path);
        try (NativeFd dir = NativeFd.open("SUBVOL_CREATE", parentOf(path), LibC.O_RDONLY | LibC.O_DIRECTORY)) {
            Pointer args = Memory.allocateDirect(LibC.RUNTIME, VOL_ARGS_SIZE, true);
            putName(args, VOL_ARGS_NAME, name);
            if (LibC.INSTANCE.ioctl(dir.fd, BTRFS_IOC_SUBVOL_CREATE, args) < 0) {
                throw BtrfsException.errno("SUBVOL_CREATE", path, LibC.errno());
            }
        }
        return show(path);
    }

    /**
     * Snapshots subvolume {@code source} to {@code dest} (which must not exist) in constant time: the snapshot
     * shares every extent with the source. Read-only snapshots are what send and versions need.
     */
    public Subvolume snapshot(Path source, Path dest, boolean readOnly) throws BtrfsException {
        Path src = source.toAbsolutePath().normalize();
        Path path = dest.toAbsolutePath().normalize();
        String name = leafName("SNAP_CREATE", path);
        requireSubvolume("SNAP_CREATE", src);
        try (NativeFd from = NativeFd.open("SNAP_CREATE", src, LibC.O_RDONLY | LibC.O_DIRECTORY);
             NativeFd dir = NativeFd.open("SNAP_CREATE", parentOf(path), LibC.O_RDONLY | LibC.O_DIRECTORY)) {
            Pointer args = Memory.allocateDirect(LibC.RUNTIME, VOL_ARGS_SIZE, true);
            args.putLong(0, from.fd);
            args.putLong(VOL_ARGS_V2_FLAGS, readOnly ? BTRFS_SUBVOL_RDONLY : 0);
            putName(args, VOL_ARGS_V2_NAME, name);
            if (LibC.INSTANCE.ioctl(dir.fd, BTRFS_IOC_SNAP_CREATE_V2, args) < 0) {
                throw BtrfsException.errno("SNAP_CREATE " + src + " ->", path, LibC.errno());
            }
        }
        return show(path);
    }

    /** Deletes the subvolume at {@code p} (its space is reclaimed in the background). Nested subvolumes: ENOTEMPTY. */
    public void deleteSubvolume(Path p) throws BtrfsException {
        Path path = p.toAbsolutePath().normalize();
        String name = leafName("SNAP_DESTROY", path);
        requireSubvolume("SNAP_DESTROY", path);
        try (NativeFd dir = NativeFd.open("SNAP_DESTROY", parentOf(path), LibC.O_RDONLY | LibC.O_DIRECTORY)) {
            Pointer args = Memory.allocateDirect(LibC.RUNTIME, VOL_ARGS_SIZE, true);
            putName(args, VOL_ARGS_NAME, name);
            if (LibC.INSTANCE.ioctl(dir.fd, BTRFS_IOC_SNAP_DESTROY, args) < 0) {
                throw BtrfsException.errno("SNAP_DESTROY", path, LibC.errno());
            }
        }
    }

    /**
     * Deletes the subvolume at {@code p} and waits until the cleaner has reclaimed its space
     * ({@code btrfs subvolume sync}): what an operator freeing space, or an operation undoing itself
     * on a full file system, needs before the next write.
     */
    public void deleteSubvolumeAndWait(Path p) throws BtrfsException {
        Path path = p.toAbsolutePath().normalize();
        long id = show(path).id();
        deleteSubvolume(path);
        commit(parentOf(path));
        Command.check("subvolume sync", path, List.of("btrfs", "subvolume", "sync", parentOf(path).toString(), Long.toString(id)));
    }

    /**
     * Commits the transaction of the file system holding {@code p} ({@code btrfs filesystem sync}). The cleaner
     * reclaims deleted subvolumes only after a commit, which comes every 30 s by default: this starts it now.
     */
    public void commit(Path p) throws BtrfsException {
        Path path = p.toAbsolutePath().normalize();
        Command.check("filesystem sync", path, List.of("btrfs", "filesystem", "sync", path.toString()));
    }

    /**
     * Gives back, now, the space of every subvolume deleted in the file system holding {@code p}: commits (the
     * cleaner starts), waits for the cleaner ({@code btrfs subvolume sync}), and commits again (the freed extents
     * count as free from then on). Left alone, each step waits for a periodic commit, up to 30 s each.
     */
    public void reclaimDeleted(Path p) throws BtrfsException {
        Path path = p.toAbsolutePath().normalize();
        commit(path);
        Command.check("subvolume sync", path, List.of("btrfs", "subvolume", "sync", path.toString()));
        commit(path);
    }

    /** Describes the subvolume whose root is {@code p}; a plain directory inside one is an error (EINVAL). */
    public Subvolume show(Path p) throws BtrfsException {
        Path path = p.toAbsolutePath().normalize();
        requireSubvolume("GET_SUBVOL_INFO", path);
        try (NativeFd fd = NativeFd.open("GET_SUBVOL_INFO", path, LibC.O_RDONLY | LibC.O_DIRECTORY)) {
            Pointer info = Memory.allocateDirect(LibC.RUNTIME, INFO_SIZE, true);
            if (LibC.INSTANCE.ioctl(fd.fd, BTRFS_IOC_GET_SUBVOL_INFO, info) < 0) {
                throw BtrfsException.errno("GET_SUBVOL_INFO", path, LibC.errno());
            }
            UUID uuid = uuid(info, INFO_UUID).orElseThrow(
                    () -> BtrfsException.other("GET_SUBVOL_INFO", path, "subvolume has no uuid", null));
            return new Subvolume(path, info.getLong(INFO_TREEID), uuid, uuid(info, INFO_PARENT_UUID),
                    uuid(info, INFO_RECEIVED_UUID), info.getLong(INFO_GENERATION),
                    (info.getLong(INFO_FLAGS) & BTRFS_ROOT_SUBVOL_RDONLY) != 0);
        }
    }

    /**
     * All subvolumes of the file system holding {@code anyPathInFs} that are reachable through its mount
     * (others, e.g. outside a {@code subvol=} mount, are left out), with paths under that mount.
     */
    public List<Subvolume> list(Path anyPathInFs) throws BtrfsException {
        Path any = anyPathInFs.toAbsolutePath().normalize();
        MountTable.Mount mount;
        try {
            mount = MountTable.containing(any).filter(m -> m.fsType().equals("btrfs")).orElseThrow(
                    () -> BtrfsException.other("subvolume list", any, "not on a mounted btrfs", null));
        } catch (NoSuchFileException e) {
            throw BtrfsException.errno("subvolume list", any, 2);
        } catch (IOException e) {
            throw BtrfsException.other("subvolume list", any, e.toString(), e);
        }
        ExternalCommand.Result r = Command.check("subvolume list", any,
                List.of(Command.require("btrfs"), "subvolume", "list", "-u", "-q", "-R", mount.mountPoint().toString()));
        List<SubvolumeListing.Entry> entries;
        try {
            entries = SubvolumeListing.parse(r.stdout());
        } catch (IllegalArgumentException e) {
            throw BtrfsException.other("subvolume list", any, e.getMessage(), e);
        }
        List<Subvolume> out = new ArrayList<>();
        for (SubvolumeListing.Entry e : entries) {
            resolve(mount, e).ifPresent(out::add);
        }
        return out;
    }

    /**
     * btrfs-progs prints paths relative to the top level, or to the mounted subvolume for those below it; try
     * both and keep the one that really is this subvolume (same tree id), so a path is never guessed.
     */
    private Optional<Subvolume> resolve(MountTable.Mount mount, SubvolumeListing.Entry e) {
        List<Path> candidates = new ArrayList<>();
        String full = "/" + e.path();
        String root = mount.root().endsWith("/") ? mount.root() : mount.root() + "/";
        if (full.startsWith(root)) candidates.add(mount.mountPoint().resolve(full.substring(root.length())));
        candidates.add(mount.mountPoint().resolve(e.path()));
        for (Path c : candidates) {
            try {
                Subvolume s = show(c);
                if (s.id() == e.id()) return Optional.of(s);
            } catch (BtrfsException notHere) {
                // deleted meanwhile, or not reachable this way
            }
        }
        return Optional.empty();
    }

    /**
     * Sets the read-only flag through btrfs-progs, which refuses to make a received subvolume writable (that
     * would silently break the next incremental send into it).
     */
    public void setReadOnly(Path subvolume, boolean ro) throws BtrfsException {
        Path path = subvolume.toAbsolutePath().normalize();
        requireSubvolume("property set ro", path);
        Command.check("property set ro=" + ro, path, List.of(Command.require("btrfs"), "property", "set", "-ts",
                path.toString(), "ro", Boolean.toString(ro)));
    }

    public boolean isReadOnly(Path subvolume) throws BtrfsException {
        Path path = subvolume.toAbsolutePath().normalize();
        requireSubvolume("SUBVOL_GETFLAGS", path);
        try (NativeFd fd = NativeFd.open("SUBVOL_GETFLAGS", path, LibC.O_RDONLY | LibC.O_DIRECTORY)) {
            Pointer flags = Memory.allocateDirect(LibC.RUNTIME, 8, true);
            if (LibC.INSTANCE.ioctl(fd.fd, BTRFS_IOC_SUBVOL_GETFLAGS, flags) < 0) {
                throw BtrfsException.errno("SUBVOL_GETFLAGS", path, LibC.errno());
            }
            return (flags.getLong(0) & BTRFS_SUBVOL_RDONLY) != 0;
        }
    }

    /**
     * Starts {@code btrfs send} of read-only {@code snapshot}: full, or incremental against {@code parent} (a
     * read-only snapshot the receiver already has), with {@code cloneSources} the receiver also has.
     */
    public SendStream send(Path snapshot, Optional<Path> parent, List<Path> cloneSources) throws BtrfsException {
        Path snap = snapshot.toAbsolutePath().normalize();
        List<String> argv = new ArrayList<>(List.of(Command.require("btrfs"), "send", "-q"));
        parent.ifPresent(p -> argv.addAll(List.of("-p", p.toAbsolutePath().normalize().toString())));
        for (Path c : cloneSources) argv.addAll(List.of("-c", c.toAbsolutePath().normalize().toString()));
        argv.add(snap.toString());
        try {
            Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            return new SendStream(p, snap);
        } catch (IOException e) {
            throw BtrfsException.other("send", snap, e.toString(), e);
        }
    }

    /**
     * Runs {@code btrfs receive} into {@code destDir} with one send stream read from {@code in} (up to and
     * including its END command) and returns the received read-only subvolume. A stream that fails, is cut
     * short, or is interrupted (thread interrupt) leaves no partial subvolume behind.
     */
    public Subvolume receive(InputStream in, Path destDir) throws BtrfsException {
        return receiveStream(in, destDir);
    }

    /**
     * As {@link #receive(InputStream, Path)}, but the subvolume is created as {@code destDir/name} whatever the
     * stream calls it (same received uuid, same parent): a receiver can give it a temporary name until it is
     * complete and then rename it in place (a read-only subvolume cannot move to another directory).
     */
    public Subvolume receive(InputStream in, Path destDir, String name) throws BtrfsException {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a plain name: '" + name + "'");
        }
        return receiveStream(new SubvolumeRenaming(in, name), destDir);
    }

    private Subvolume receiveStream(InputStream in, Path destDir) throws BtrfsException {
        Path dir = destDir.toAbsolutePath().normalize();
        Set<String> before = entries(dir);
        Process p;
        try {
            p = new ProcessBuilder(Command.require("btrfs"), "receive", "-e", dir.toString()).start();
        } catch (IOException e) {
            throw BtrfsException.other("receive", dir, e.toString(), e);
        }
        CompletableFuture<String> stdout = ExternalCommand.drain(p.getInputStream());
        CompletableFuture<String> stderr = ExternalCommand.drain(p.getErrorStream());
        SendStreamFraming framing = new SendStreamFraming();
        String failure = null;
        Throwable cause = null;
        boolean receiverGaveUp = false;
        try (OutputStream toReceive = p.getOutputStream()) {
            byte[] buf = new byte[1 << 20];
            while (!framing.ended()) {
                if (Thread.currentThread().isInterrupted()) {
                    failure = "interrupted after " + framing.bytes() + " bytes";
                    break;
                }
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    failure = "reading the stream failed after " + framing.bytes() + " bytes: " + e;
                    cause = e;
                    break;
                }
                if (n < 0) {
                    failure = "stream truncated after " + framing.bytes() + " bytes (" + framing.commands()
                            + " commands, no end command)";
                    break;
                }
                int mine = framing.accept(buf, 0, n);
                try {
                    toReceive.write(buf, 0, mine);
                } catch (IOException e) {
                    // a broken pipe: btrfs receive gave up, and its stderr says why
                    failure = "btrfs receive stopped reading: " + e.getMessage();
                    cause = e;
                    receiverGaveUp = true;
                    break;
                }
            }
        } catch (IllegalArgumentException e) {
            failure = e.getMessage();
            cause = e;
        } catch (IOException e) {
            receiverGaveUp = true; // closing its stdin failed: same story
            failure = failure != null ? failure : "btrfs receive stopped reading: " + e.getMessage();
            cause = cause != null ? cause : e;
        }
        // stdin is closed now: btrfs receive sees the end of its input and exits by itself, keeping its stderr
        int exit = waitFor(p);
        String err = stderr.join();
        Optional<String> name = receivedName(stdout.join() + "\n" + err); // progs versions differ on which
        if (failure == null && exit == 0 && name.isPresent()) {
            Path received = dir.resolve(name.get());
            try {
                Subvolume s = show(received);
                if (s.readOnly() && s.receivedUuid().isPresent()) return s;
                failure = "received subvolume " + received + " was not finalized (read-only with received uuid)";
            } catch (BtrfsException e) {
                failure = "received subvolume " + received + " cannot be read back: " + e.getMessage();
                cause = e;
            }
        }
        String leftovers = removePartial(dir, before, name);
        if (receiverGaveUp && exit != 0) {
            throw BtrfsException.progs("receive", dir, exit, err + leftovers);
        }
        if (failure != null) {
            throw BtrfsException.other("receive", dir,
                    failure + (err.isBlank() ? "" : "; btrfs receive: " + err.strip()) + leftovers, cause);
        }
        if (exit != 0) throw BtrfsException.progs("receive", dir, exit, err);
        throw BtrfsException.other("receive", dir, "btrfs receive did not name the subvolume it created: " + err.strip(), null);
    }

    /**
     * Deletes what a failed receive created. Only a subvolume that did not exist before is touched: the one the
     * receiver named, or, if it died before naming it, any new writable subvolume without a received uuid.
     * Returns "" or a note for the error message about what could not be deleted.
     */
    private String removePartial(Path dir, Set<String> before, Optional<String> named) {
        List<String> suspects = new ArrayList<>();
        if (named.isPresent()) {
            if (!before.contains(named.get())) suspects.add(named.get());
        } else {
            for (String e : entries(dir)) if (!before.contains(e)) suspects.add(e);
        }
        StringBuilder problems = new StringBuilder();
        for (String s : suspects) {
            Path candidate = dir.resolve(s);
            Subvolume sub;
            try {
                sub = show(candidate);
            } catch (BtrfsException notASubvolume) {
                continue; // not ours to delete
            }
            if (named.isEmpty() && (sub.readOnly() || sub.receivedUuid().isPresent())) continue;
            try {
                deleteSubvolume(candidate);
            } catch (BtrfsException e) {
                log.warn("could not delete partially received {}: {}", candidate, e.getMessage());
                problems.append("; partial subvolume left behind: ").append(e.getMessage());
            }
        }
        return problems.toString();
    }

    private static Set<String> entries(Path dir) {
        Set<String> names = new HashSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        } catch (IOException e) {
            // a missing directory: btrfs receive reports it properly
        }
        return names;
    }

    /** The name btrfs receive announced, if it is a plain name (a path would not be ours to touch). */
    static Optional<String> receivedName(String output) {
        Matcher m = RECEIVED_NAME.matcher(output);
        if (!m.find()) return Optional.empty();
        String name = m.group(1).strip();
        return name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")
                ? Optional.empty() : Optional.of(name);
    }

    private static int waitFor(Process p) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (p.waitFor(60, TimeUnit.SECONDS)) return p.exitValue();
                    p.destroyForcibly();
                } catch (InterruptedException e) {
                    // the process must be gone before its partial subvolume can be deleted
                    interrupted = true;
                    p.destroy();
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private static void requireSubvolume(String operation, Path path) throws BtrfsException {
        Object ino;
        try {
            ino = Files.getAttribute(path, "unix:ino");
        } catch (NoSuchFileException e) {
            throw BtrfsException.errno(operation, path, 2);
        } catch (IOException | UnsupportedOperationException e) {
            throw BtrfsException.other(operation, path, e.toString(), e);
        }
        if (!Files.isDirectory(path) || ((Number) ino).longValue() != BTRFS_FIRST_FREE_OBJECTID) {
            throw BtrfsException.errno(operation, path, 22, "not a btrfs subvolume");
        }
    }

    private static Path parentOf(Path path) {
        Path parent = path.getParent();
        return parent == null ? path.getRoot() : parent;
    }

    private static String leafName(String operation, Path path) throws BtrfsException {
        Path leaf = path.getFileName();
        String name = leaf == null ? "" : leaf.toString();
        if (name.isEmpty() || name.equals(".") || name.equals("..")
                || name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX || name.indexOf('\0') >= 0) {
            throw BtrfsException.errno(operation, path, 22, "bad subvolume name");
        }
        return name;
    }

    private static void putName(Pointer args, int offset, String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        args.put(offset, b, 0, b.length);
        args.putByte(offset + b.length, (byte) 0);
    }

    private static Optional<UUID> uuid(Pointer p, int offset) {
        long msb = Long.reverseBytes(p.getLong(offset));
        long lsb = Long.reverseBytes(p.getLong(offset + 8));
        return msb == 0 && lsb == 0 ? Optional.empty() : Optional.of(new UUID(msb, lsb));
    }
}
