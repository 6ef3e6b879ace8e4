package org.icbd.volume;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.LongConsumer;
import org.icbd.scsi.ScsiTarget;
import org.icbd.storage.LunIdentity;

/**
 * Golden images, their published versions and per-workstation clones under one data root.
 *
 * <p>Every operation changes the file system and the catalog together: the file system first,
 * inside the catalog transaction, and undone if anything after it fails, so the catalog never
 * names a volume that is not there and a failed operation leaves nothing half made. Removal runs
 * the other way round: the catalog forgets the volume, then it is deleted.
 */
public final class VolumeManager {

    private static final int COPY_CHUNK = 4 << 20;
    /** SAM's flat LUN space as icbd serves it. */
    private static final long MAX_LUN = ScsiTarget.MAX_LUN;

    private final VolumeLayout layout;
    private final VolumeFileSystem fs;
    private final Catalog catalog;

    public VolumeManager(VolumeLayout layout, VolumeFileSystem fs, Catalog catalog) {
        this.layout = layout;
        this.fs = fs;
        this.catalog = catalog;
    }

    /** Opens (creating the directories if needed) the data root with the file-system strategy it calls for. */
    public static VolumeManager open(Path root) throws IOException {
        Files.createDirectories(root);
        VolumeLayout layout = new VolumeLayout(root);
        Files.createDirectories(layout.images());
        Files.createDirectories(layout.clones());
        return new VolumeManager(layout, VolumeFileSystem.forRoot(layout.root()), new FileCatalog(layout));
    }

    public VolumeLayout layout() {
        return layout;
    }

    public boolean instantClones() {
        return fs.instantClones();
    }

    public CatalogState state() throws IOException {
        return catalog.read();
    }

    /** Copies a raw image file into a new image's work volume, keeping it sparse; {@code progress} gets bytes done. */
    public CatalogState.Image importImage(VolumeName name, Path source, LongConsumer progress) throws IOException {
        if (!Files.isRegularFile(source)) throw new VolumeException(VolumeException.Kind.NOT_FOUND, "cannot import " + source + ": not a regular file");
        return catalog.transact(state -> {
            if (state.images().containsKey(name.value())) throw new VolumeException(VolumeException.Kind.CONFLICT, "image " + name + " already exists");
            Path image = layout.image(name);
            if (Files.exists(image)) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, image + " exists but the catalog does not know it; remove it or pick another name");
            }
            Files.createDirectories(layout.versions(name));
            try {
                fs.create(layout.work(name));
                copySparse(source, VolumeLayout.disk(layout.work(name)), progress);
            } catch (IOException | RuntimeException e) {
                removeQuietly(layout.work(name));
                deleteDirectories(image);
                throw new VolumeException(VolumeException.Kind.FAILED, "import of " + source + " as " + name + " failed: " + e.getMessage(), e);
            }
            var img = new CatalogState.Image(name.value(), 0, Instant.now().toString());
            return Catalog.Outcome.undoable(state.with(img), img, () -> {
                removeQuietly(layout.work(name));
                deleteDirectories(image);
            });
        });
    }

    /** Freezes the current work volume as the next read-only version; returns its number. */
    public int publish(VolumeName name) throws IOException {
        return catalog.transact(state -> {
            CatalogState.Image img = image(state, name);
            int next = img.versions() + 1;
            Path version = layout.version(name, next);
            // what the version holds must be on disk before it is frozen
            try (FileChannel ch = FileChannel.open(VolumeLayout.disk(layout.work(name)), StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            fs.snapshot(layout.work(name), version, true);
            return Catalog.Outcome.undoable(state.with(new CatalogState.Image(img.name(), next, img.created())), next,
                    () -> fs.delete(version));
        });
    }

    /** Deletes an image with all its versions; refused while clones depend on it (they are named). */
    public void deleteImage(VolumeName name) throws IOException {
        catalog.transact(state -> {
            CatalogState.Image img = image(state, name);
            List<String> users = state.clones().values().stream().filter(c -> c.image().equals(img.name()))
                    .map(CatalogState.Clone::name).toList();
            if (!users.isEmpty()) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "image " + name + " still has clones " + users + "; delete or reset them first");
            }
            List<String> served = state.luns().stream().filter(m -> m.version() != null && m.version().startsWith(img.name() + "@"))
                    .map(m -> m.version() + " as LUN " + m.lun() + " of " + m.target()).toList();
            if (!served.isEmpty()) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "image " + name + " is mapped: " + served
                        + "; unmap it first ('icbd lun unmap')");
            }
            return Catalog.Outcome.then(state.withoutImage(name.value()), null, () -> {
                for (int v = img.versions(); v >= 1; v--) {
                    if (Files.exists(layout.version(name, v))) fs.delete(layout.version(name, v));
                }
                if (Files.exists(layout.work(name))) fs.delete(layout.work(name));
                deleteDirectories(layout.image(name));
            });
        });
    }

    /** Creates a workstation disk from a version ({@code version} 0: the newest). */
    public CatalogState.Clone createClone(VolumeName image, int version, VolumeName name) throws IOException {
        return catalog.transact(state -> {
            CatalogState.Image img = image(state, image);
            int v = version == 0 ? img.versions() : version;
            if (v < 1 || v > img.versions()) {
                throw new VolumeException(VolumeException.Kind.NOT_FOUND, img.versions() == 0
                        ? "image " + image + " has no published version yet; run 'icbd image publish " + image + "' first"
                        : "image " + image + " has versions 1 to " + img.versions() + ", not " + v);
            }
            if (state.clones().containsKey(name.value())) throw new VolumeException(VolumeException.Kind.CONFLICT, "clone " + name + " already exists");
            Path target = layout.clone(name);
            if (Files.exists(target)) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, target + " exists but the catalog does not know it; remove it or pick another name");
            }
            fs.snapshot(layout.version(image, v), target, false);
            var clone = new CatalogState.Clone(name.value(), img.name(), v, UUID.randomUUID().toString(), Instant.now().toString());
            return Catalog.Outcome.undoable(state.with(clone), clone, () -> fs.delete(target));
        });
    }

    /** Throws away everything written to a clone: it becomes its version again, with the same identity. */
    public void resetClone(VolumeName name) throws IOException {
        catalog.transact(state -> {
            CatalogState.Clone clone = clone(state, name);
            Path target = layout.clone(name);
            Path aside = target.resolveSibling("." + name + ".resetting");
            Files.move(target, aside);
            try {
                fs.snapshot(layout.version(new VolumeName(clone.image()), clone.version()), target, false);
            } catch (IOException | RuntimeException e) {
                Files.move(aside, target);
                throw e;
            }
            fs.delete(aside);
            return Catalog.Outcome.of(null, null);
        });
    }

    public void deleteClone(VolumeName name) throws IOException {
        catalog.transact(state -> {
            clone(state, name);
            for (CatalogState.LunMap m : state.luns()) {
                if (name.value().equals(m.cloneName())) {
                    throw new VolumeException(VolumeException.Kind.CONFLICT, "clone " + name + " is LUN " + m.lun() + " of "
                            + m.target() + "; unmap it first ('icbd lun unmap --target " + m.target() + " --lun " + m.lun() + "')");
                }
            }
            return Catalog.Outcome.then(state.withoutClone(name.value()), null, () -> fs.delete(layout.clone(name)));
        });
    }

    /**
     * Maps a clone (read-write) or a version (read-only; {@code clone} null) as a LUN of {@code target}
     * (an IQN the caller has checked), at {@code lun} or, when it is negative, the lowest free number.
     * A clone is mapped once at most: two LUNs writing one disk would corrupt it.
     */
    public CatalogState.LunMap mapLun(String target, long lun, VolumeName clone, VolumeName image, int version) throws IOException {
        String iqn = target.toLowerCase(java.util.Locale.ROOT);
        if (lun > MAX_LUN) throw new VolumeException(VolumeException.Kind.INVALID, "LUN numbers go from 0 to " + MAX_LUN + "; got " + lun);
        return catalog.transact(state -> {
            String versionSpec = null;
            if (clone != null) {
                clone(state, clone);
                for (CatalogState.LunMap m : state.luns()) {
                    if (clone.value().equals(m.cloneName())) {
                        throw new VolumeException(VolumeException.Kind.CONFLICT, "clone " + clone + " is already LUN " + m.lun()
                                + " of " + m.target() + "; a writable disk is served by one LUN only");
                    }
                }
            } else {
                requireVersion(image(state, image), image, version);
                versionSpec = image + "@" + version;
            }
            java.util.Set<Long> taken = new java.util.HashSet<>();
            for (CatalogState.LunMap m : state.lunsOf(iqn)) taken.add(m.lun());
            long number = lun;
            if (number < 0) {
                number = 0;
                while (taken.contains(number)) number++;
            } else if (taken.contains(number)) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "LUN " + number + " of " + iqn + " is already mapped");
            }
            var map = new CatalogState.LunMap(iqn, number, clone == null ? null : clone.value(), versionSpec);
            return Catalog.Outcome.of(state.with(map), map);
        });
    }

    public void unmapLun(String target, long lun) throws IOException {
        String iqn = target.toLowerCase(java.util.Locale.ROOT);
        catalog.transact(state -> {
            if (state.lunsOf(iqn).stream().noneMatch(m -> m.lun() == lun)) {
                throw new VolumeException(VolumeException.Kind.NOT_FOUND, "no LUN " + lun + " is mapped on " + iqn + " (see 'icbd lun list')");
            }
            return Catalog.Outcome.of(state.withoutLun(iqn, lun), null);
        });
    }

    /** The image file of a clone, to serve read-write. */
    public Path cloneDisk(VolumeName name) throws IOException {
        clone(catalog.read(), name);
        return VolumeLayout.disk(layout.clone(name));
    }

    /** The image file of a version, to serve read-only. */
    public Path versionDisk(VolumeName image, int version) throws IOException {
        requireVersion(image(catalog.read(), image), image, version);
        return VolumeLayout.disk(layout.version(image, version));
    }

    /** What the catalog knows of an image (how many versions). */
    public CatalogState.Image imageInfo(VolumeName name) throws IOException {
        return image(catalog.read(), name);
    }

    /** What the catalog knows of a clone (its image and version). */
    public CatalogState.Clone cloneInfo(VolumeName name) throws IOException {
        return clone(catalog.read(), name);
    }

    /** The id of a version's read-only snapshot, where clones share its extents (btrfs); empty elsewhere. */
    public java.util.Optional<java.util.UUID> versionSnapshotId(VolumeName image, int version) throws IOException {
        versionDisk(image, version);
        return fs.snapshotId(layout.version(image, version));
    }

    /** A clone is the same disk wherever and whenever it is served: identity from its catalog id. */
    public LunIdentity cloneIdentity(VolumeName name) throws IOException {
        return LunIdentity.fromVolumeKey("clone:" + clone(catalog.read(), name).id());
    }

    public static LunIdentity versionIdentity(VolumeName image, int version) {
        return LunIdentity.fromVolumeKey("version:" + image + "@" + version);
    }

    private static CatalogState.Image image(CatalogState state, VolumeName name) {
        CatalogState.Image img = state.images().get(name.value());
        if (img == null) throw new VolumeException(VolumeException.Kind.NOT_FOUND, "no image named " + name + " (see 'icbd image list')");
        return img;
    }

    private static void requireVersion(CatalogState.Image img, VolumeName image, int version) {
        if (version < 1 || version > img.versions()) {
            throw new VolumeException(VolumeException.Kind.NOT_FOUND, "image " + image + " has no version " + version);
        }
    }

    private static CatalogState.Clone clone(CatalogState state, VolumeName name) {
        CatalogState.Clone c = state.clones().get(name.value());
        if (c == null) throw new VolumeException(VolumeException.Kind.NOT_FOUND, "no clone named " + name + " (see 'icbd clone list')");
        return c;
    }

    /** Copies in chunks, seeking over all-zero chunks so a sparse source stays sparse. */
    private static void copySparse(Path source, Path target, LongConsumer progress) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long size = in.size();
            ByteBuffer buf = ByteBuffer.allocateDirect(COPY_CHUNK);
            long pos = 0;
            while (pos < size) {
                buf.clear();
                int n = in.read(buf, pos);
                if (n < 0) break;
                buf.flip();
                if (!allZero(buf)) {
                    while (buf.hasRemaining()) out.write(buf, pos + buf.position());
                }
                pos += n;
                progress.accept(pos);
            }
            out.force(true);
        }
        try (var f = new java.io.RandomAccessFile(target.toFile(), "rw")) {
            f.setLength(Files.size(source)); // a trailing hole stays a hole
            f.getFD().sync();
        }
    }

    private static boolean allZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) {
            if (b.get(i) != 0) return false;
        }
        return true;
    }

    private void removeQuietly(Path volume) {
        try {
            if (Files.exists(volume)) fs.delete(volume);
        } catch (IOException ignored) {
            // best effort while undoing a failed operation; the original error is what the operator needs
        }
    }

    private static void deleteDirectories(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
