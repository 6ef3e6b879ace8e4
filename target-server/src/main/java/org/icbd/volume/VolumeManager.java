package org.icbd.volume;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
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
    private volatile CloneUsers cloneUsers = CloneUsers.NONE;
    private volatile Runnable changed = () -> { };
    /** Why the disks this catalog names are not changed from here (another node of the cluster serves them), if so. */
    private final Supplier<Optional<String>> disksElsewhere;

    public VolumeManager(VolumeLayout layout, VolumeFileSystem fs, Catalog catalog) {
        this(layout, fs, catalog, Optional::empty);
    }

    /**
     * @param disksElsewhere why this data root does not hold the disks the catalog names, when it does not
     *                       (a cluster's standby: the leader's data root does): operations on disks are then
     *                       refused with that reason, and a workstation added here gets its disk from the leader
     */
    public VolumeManager(VolumeLayout layout, VolumeFileSystem fs, Catalog catalog, Supplier<Optional<String>> disksElsewhere) {
        this.layout = layout;
        this.fs = fs;
        this.catalog = catalog;
        this.disksElsewhere = disksElsewhere;
    }

    private void requireDisksHere(String what) {
        Optional<String> elsewhere = disksElsewhere.get();
        if (elsewhere.isPresent()) throw new VolumeException(VolumeException.Kind.CONFLICT, "cannot " + what + " here: " + elsewhere.get());
    }

    /** Opens (creating the directories if needed) the data root with the file-system strategy it calls for. */
    public static VolumeManager open(Path root) throws IOException {
        Files.createDirectories(root);
        VolumeLayout layout = new VolumeLayout(root);
        Files.createDirectories(layout.images());
        Files.createDirectories(layout.clones());
        return new VolumeManager(layout, VolumeFileSystem.forRoot(layout.root()), new FileCatalog(layout));
    }

    /** Runs {@code listener} after every change this manager commits (a running node serves what changed). */
    public void onChange(Runnable listener) {
        this.changed = listener == null ? () -> { } : listener;
    }

    private <T> T transact(Catalog.Transaction<T> change) throws IOException {
        T value = catalog.transact(change);
        changed.run();
        return value;
    }

    /** A catalog change made elsewhere (groups, image maintenance), told to the node like every other. */
    public <T> T change(Catalog.Transaction<T> change) throws IOException {
        return transact(change);
    }

    /** The strategy for volumes (snapshot, delete) of this data root, for the image maintenance commands. */
    VolumeFileSystem fileSystem() {
        return fs;
    }

    /** A running node that serves clones tells a reset here to switch it to the new disk. */
    public void serveClonesTo(CloneUsers users) {
        this.cloneUsers = users == null ? CloneUsers.NONE : users;
    }

    public VolumeLayout layout() {
        return layout;
    }

    /** Whether this data root holds the disks the catalog names (false on a cluster's standby). */
    public boolean disksHere() {
        return disksElsewhere.get().isEmpty();
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
        requireDisksHere("import an image");
        return transact(state -> {
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
        requireDisksHere("publish a version");
        return transact(state -> {
            CatalogState.Image img = image(state, name);
            if (img.editor() != null) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "workstation " + img.editor() + " is editing image " + name
                        + "'s work copy; end that first ('icbd image edit " + name + " --done'), then publish");
            }
            int next = img.versions() + 1;
            Path version = layout.version(name, next);
            // what the version holds must be on disk before it is frozen
            try (FileChannel ch = FileChannel.open(VolumeLayout.disk(layout.work(name)), StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.createDirectories(layout.versions(name)); // a cluster's leader may have the work copy by replication only
            fs.snapshot(layout.work(name), version, true);
            return Catalog.Outcome.undoable(state.with(img.published(next)), next,
                    () -> fs.delete(version));
        });
    }

    /** Deletes an image with all its versions; refused while clones depend on it (they are named). */
    public void deleteImage(VolumeName name) throws IOException {
        requireDisksHere("delete an image");
        transact(state -> {
            CatalogState.Image img = image(state, name);
            List<String> users = state.clones().values().stream().filter(c -> c.image().equals(img.name()))
                    .map(CatalogState.Clone::name).toList();
            if (!users.isEmpty()) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "image " + name + " still has clones " + users + "; delete or reset them first");
            }
            List<String> groups = state.groups().values().stream().filter(g -> g.image().equals(img.name()))
                    .map(CatalogState.Group::name).toList();
            if (!groups.isEmpty()) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "image " + name + " is the image of groups " + groups
                        + "; remove them first ('icbd group remove')");
            }
            if (img.editor() != null) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "workstation " + img.editor() + " is editing image " + name
                        + "'s work copy; end that first ('icbd image edit " + name + " --done')");
            }
            List<String> served = state.luns().stream().filter(m -> m.version() != null && m.version().startsWith(img.name() + "@"))
                    .map(m -> m.version() + " as LUN " + m.lun() + " of " + m.target()).toList();
            if (!served.isEmpty()) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "image " + name + " is mapped: " + served
                        + "; unmap it first ('icbd lun unmap')");
            }
            return Catalog.Outcome.then(state.withoutImage(name.value()), null, () -> {
                for (int v = img.versions(); v >= 1; v--) {
                    if (img.pruned().contains(v)) continue;
                    if (Files.exists(layout.version(name, v))) fs.delete(layout.version(name, v));
                }
                if (Files.exists(layout.work(name))) fs.delete(layout.work(name));
                deleteDirectories(layout.image(name));
            });
        });
    }

    /** Creates a workstation disk from a version ({@code version} 0: the newest). */
    public CatalogState.Clone createClone(VolumeName image, int version, VolumeName name) throws IOException {
        requireDisksHere("create a clone");
        return transact(state -> {
            CatalogState.Image img = image(state, image);
            int v = version == 0 ? img.versions() : version;
            if (img.versions() == 0) {
                throw new VolumeException(VolumeException.Kind.NOT_FOUND,
                        "image " + image + " has no published version yet; run 'icbd image publish " + image + "' first");
            }
            if (v < 1 || v > img.versions()) {
                throw new VolumeException(VolumeException.Kind.NOT_FOUND, "image " + image + " has versions 1 to " + img.versions() + ", not " + v);
            }
            requireVersion(img, image, v);
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
        resetClone(name, 0);
    }

    /**
     * Throws away everything written to a clone and makes it {@code version} of its image (0: the
     * version it has), keeping its identity. Takes milliseconds whatever was written: a fresh snapshot
     * replaces the clone, the {@link CloneUsers} switch to it, and the old subvolume is deleted without
     * waiting for btrfs to give its space back (it does so once the last open file is closed).
     */
    public CatalogState.Clone resetClone(VolumeName name, int version) throws IOException {
        requireDisksHere("reset a disk");
        return transact(state -> {
            CatalogState.Clone clone = clone(state, name);
            VolumeName image = new VolumeName(clone.image());
            int v = version == 0 ? clone.version() : version;
            requireVersion(image(state, image), image, v);
            Path target = layout.clone(name);
            Path aside = target.resolveSibling("." + name + ".resetting");
            if (Files.exists(aside)) fs.discard(aside); // left by a reset that died half way
            Files.move(target, aside);
            try {
                fs.snapshot(layout.version(image, v), target, false);
            } catch (IOException | RuntimeException e) {
                Files.move(aside, target);
                throw e;
            }
            var next = new CatalogState.Clone(clone.name(), clone.image(), v, clone.id(), clone.created());
            try {
                cloneUsers.replaced(next);
            } catch (IOException | RuntimeException e) {
                // the user could not switch: put the old disk back so it keeps serving what it holds
                fs.discard(target);
                Files.move(aside, target);
                throw new VolumeException(VolumeException.Kind.FAILED, "reset of " + name + " failed: the node serving it"
                        + " could not switch to the new disk (" + e.getMessage() + "); nothing was changed", e);
            }
            fs.discard(aside);
            return Catalog.Outcome.of(v == clone.version() ? null : state.with(next), next);
        });
    }

    public void deleteClone(VolumeName name) throws IOException {
        requireDisksHere("delete a clone");
        transact(state -> {
            clone(state, name);
            if (state.workstations().containsKey(name.value())) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "clone " + name + " is workstation " + name
                        + "'s disk; remove the workstation ('icbd workstation remove " + name + "')");
            }
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
     * Adds a workstation and makes its disk, a clone named like it of its pinned version or its image's
     * newest; refused when its name, a MAC or its IQN is taken (nothing is made then). Where another
     * node serves the disks (a cluster's standby) only the workstation is recorded: the leader, which
     * sees every change of the catalog, makes its disk ({@link #makeWorkstationDisk}).
     */
    public CatalogState.Workstation addWorkstation(CatalogState.Workstation w) throws IOException {
        boolean here = disksElsewhere.get().isEmpty();
        return transact(state -> {
            if (state.workstations().containsKey(w.name())) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "workstation " + w.name() + " already exists");
            }
            requireFree(state, w);
            requireGroup(state, w);
            if (!here) {
                requireDiskPossible(state, w);
                return Catalog.Outcome.of(state.with(w), w);
            }
            Catalog.Outcome<CatalogState.Clone> made = withDisk(state.with(w), w);
            return new Catalog.Outcome<>(made.next(), w, made.undo(), made.afterCommit());
        });
    }

    /**
     * Makes the disk of a workstation recorded without one (added on a node that does not serve the
     * disks); empty when it has one already or is gone.
     */
    public Optional<CatalogState.Clone> makeWorkstationDisk(VolumeName name) throws IOException {
        requireDisksHere("make a workstation's disk");
        return transact(state -> {
            CatalogState.Workstation w = state.workstations().get(name.value());
            if (w == null || state.clones().containsKey(w.clone())) return Catalog.Outcome.of(null, Optional.empty());
            Catalog.Outcome<CatalogState.Clone> made = withDisk(state, w);
            return new Catalog.Outcome<>(made.next(), Optional.of(made.value()), made.undo(), made.afterCommit());
        });
    }

    /**
     * Deletes the disk of a clone the catalog no longer names (a workstation removed on a node that does
     * not hold the disks); nothing when the catalog names it or it is not here.
     */
    public void deleteForgottenDisk(VolumeName name) throws IOException {
        requireDisksHere("delete a disk");
        transact(state -> Catalog.Outcome.then(null, null, () -> {
            Path disk = layout.clone(name);
            if (!state.clones().containsKey(name.value()) && Files.exists(disk)) fs.discard(disk);
        }));
    }

    /** Checks that {@code w}'s disk can be made: its name is free as a clone, its image has the version. */
    private int requireDiskPossible(CatalogState state, CatalogState.Workstation w) {
        if (state.clones().containsKey(w.clone())) {
            throw new VolumeException(VolumeException.Kind.CONFLICT, "a clone named " + w.name() + " exists already; pick another"
                    + " workstation name or delete the clone ('icbd clone delete " + w.name() + "')");
        }
        CatalogState.Image img = image(state, new VolumeName(w.image()));
        int v = bootVersion(state, w);
        if (img.versions() == 0) {
            throw new VolumeException(VolumeException.Kind.NOT_FOUND, "image " + w.image() + " has no published version yet;"
                    + " run 'icbd image publish " + w.image() + "' first");
        }
        requireVersion(img, new VolumeName(w.image()), v);
        return v;
    }

    /** {@code next} plus {@code w}'s disk, made now (and deleted again if the catalog cannot be written). */
    private Catalog.Outcome<CatalogState.Clone> withDisk(CatalogState next, CatalogState.Workstation w) throws IOException {
        int v = requireDiskPossible(next, w);
        VolumeName name = new VolumeName(w.clone());
        Path target = layout.clone(name);
        if (Files.exists(target)) {
            throw new VolumeException(VolumeException.Kind.CONFLICT, target + " exists but the catalog does not know it; remove it or pick another name");
        }
        fs.snapshot(layout.version(new VolumeName(w.image()), v), target, false);
        var clone = new CatalogState.Clone(w.clone(), w.image(), v, UUID.randomUUID().toString(), Instant.now().toString());
        return Catalog.Outcome.undoable(next.with(clone), clone, () -> fs.delete(target));
    }

    /** Changes a workstation's MACs, image, pinned version or mode (its disk moves only when reset). */
    public CatalogState.Workstation updateWorkstation(VolumeName name, UnaryOperator<CatalogState.Workstation> change)
            throws IOException {
        return transact(state -> {
            CatalogState.Workstation next = change.apply(workstation(state, name));
            requireFree(state, next);
            requireGroup(state, next);
            CatalogState.Image img = image(state, new VolumeName(next.image()));
            if (next.version() != 0) requireVersion(img, new VolumeName(next.image()), next.version());
            CatalogState.Clone clone = state.clones().get(next.clone());
            if (clone != null && !clone.image().equals(next.image())) {
                throw new VolumeException(VolumeException.Kind.INVALID, "workstation " + name + "'s disk is a clone of " + clone.image()
                        + "; a workstation keeps its image (remove it and add it again to give it another)");
            }
            return Catalog.Outcome.of(state.with(next), next);
        });
    }

    /** Removes a workstation and its disk (a node serving it ends its sessions when it sees the catalog change). */
    public CatalogState.Workstation removeWorkstation(VolumeName name) throws IOException {
        boolean here = disksElsewhere.get().isEmpty();
        return transact(state -> {
            CatalogState.Workstation w = workstation(state, name);
            Optional<CatalogState.Image> edited = state.editedBy(w.name());
            if (edited.isPresent()) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "workstation " + name + " is editing image " + edited.get().name()
                        + "'s work copy; end that first ('icbd image edit " + edited.get().name() + " --done')");
            }
            for (CatalogState.LunMap m : state.luns()) {
                if (w.clone().equals(m.cloneName())) {
                    throw new VolumeException(VolumeException.Kind.CONFLICT, "workstation " + name + "'s disk is also LUN " + m.lun()
                            + " of " + m.target() + "; unmap it first");
                }
            }
            CatalogState next = state.withoutWorkstation(w.name()).withoutClone(w.clone());
            if (!here) return Catalog.Outcome.of(next, w); // the leader deletes the disk it serves once it sees this
            return Catalog.Outcome.then(next, w, () -> {
                Path disk = layout.clone(new VolumeName(w.clone()));
                if (Files.exists(disk)) fs.discard(disk);
            });
        });
    }

    /**
     * The version a workstation boots: its pinned one, else its group's (when the group pins one of its image), else
     * its image's current one (the newest, unless the image was rolled back).
     */
    public static int bootVersion(CatalogState state, CatalogState.Workstation w) {
        if (w.version() != 0) return w.version();
        CatalogState.Group g = w.group() == null ? null : state.groups().get(w.group());
        if (g != null && g.version() != 0 && g.image().equals(w.image())) return g.version();
        CatalogState.Image img = state.images().get(w.image());
        return img == null ? 0 : img.currentVersion();
    }

    private static void requireGroup(CatalogState state, CatalogState.Workstation w) {
        if (w.group() == null) return;
        CatalogState.Group g = state.groups().get(w.group());
        if (g == null) throw new VolumeException(VolumeException.Kind.NOT_FOUND, "no group named " + w.group() + " (see 'icbd group list')");
        if (!g.image().equals(w.image())) {
            throw new VolumeException(VolumeException.Kind.INVALID, "group " + g.name() + "'s workstations boot image " + g.image()
                    + "; workstation " + w.name() + "'s disk is a clone of " + w.image());
        }
    }

    private static void requireFree(CatalogState state, CatalogState.Workstation w) {
        for (CatalogState.Workstation other : state.workstations().values()) {
            if (other.name().equals(w.name())) continue;
            for (String mac : w.macs()) {
                if (other.macs().contains(mac)) {
                    throw new VolumeException(VolumeException.Kind.CONFLICT, "MAC " + mac + " is already workstation " + other.name()
                            + "'s; remove it there first ('icbd workstation set " + other.name() + " --remove-mac " + mac + "')");
                }
            }
            if (other.iqn().equalsIgnoreCase(w.iqn())) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "target " + w.iqn() + " is already workstation " + other.name() + "'s");
            }
        }
        if (!state.lunsOf(w.iqn().toLowerCase(Locale.ROOT)).isEmpty()) {
            throw new VolumeException(VolumeException.Kind.CONFLICT, "target " + w.iqn() + " already has LUNs mapped with 'icbd lun map'");
        }
    }

    private static CatalogState.Workstation workstation(CatalogState state, VolumeName name) {
        CatalogState.Workstation w = state.workstations().get(name.value());
        if (w == null) throw new VolumeException(VolumeException.Kind.NOT_FOUND, "no workstation named " + name + " (see 'icbd workstation list')");
        return w;
    }

    /**
     * Maps a clone (read-write) or a version (read-only; {@code clone} null) as a LUN of {@code target}
     * (an IQN the caller has checked), at {@code lun} or, when it is negative, the lowest free number.
     * A clone is mapped once at most: two LUNs writing one disk would corrupt it.
     */
    public CatalogState.LunMap mapLun(String target, long lun, VolumeName clone, VolumeName image, int version) throws IOException {
        String iqn = target.toLowerCase(Locale.ROOT);
        if (lun > MAX_LUN) throw new VolumeException(VolumeException.Kind.INVALID, "LUN numbers go from 0 to " + MAX_LUN + "; got " + lun);
        return transact(state -> {
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
            Set<Long> taken = new HashSet<>();
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
        String iqn = target.toLowerCase(Locale.ROOT);
        transact(state -> {
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

    /** What the catalog knows of a workstation. */
    public CatalogState.Workstation workstationInfo(VolumeName name) throws IOException {
        return workstation(catalog.read(), name);
    }

    /** What the catalog knows of a clone (its image and version). */
    public CatalogState.Clone cloneInfo(VolumeName name) throws IOException {
        return clone(catalog.read(), name);
    }

    /** The id of a version's read-only snapshot, where clones share its extents (btrfs); empty elsewhere. */
    public Optional<UUID> versionSnapshotId(VolumeName image, int version) throws IOException {
        versionDisk(image, version);
        return fs.snapshotId(layout.version(image, version));
    }

    /** A clone is the same disk wherever and whenever it is served: identity from its catalog id. */
    public LunIdentity cloneIdentity(VolumeName name) throws IOException {
        return cloneIdentity(clone(catalog.read(), name));
    }

    public static LunIdentity cloneIdentity(CatalogState.Clone clone) {
        return LunIdentity.fromVolumeKey("clone:" + clone.id());
    }

    public static LunIdentity versionIdentity(VolumeName image, int version) {
        return LunIdentity.fromVolumeKey("version:" + image + "@" + version);
    }

    static CatalogState.Image image(CatalogState state, VolumeName name) {
        CatalogState.Image img = state.images().get(name.value());
        if (img == null) throw new VolumeException(VolumeException.Kind.NOT_FOUND, "no image named " + name + " (see 'icbd image list')");
        return img;
    }

    static void requireVersion(CatalogState.Image img, VolumeName image, int version) {
        if (img.pruned().contains(version)) {
            throw new VolumeException(VolumeException.Kind.NOT_FOUND, "version " + version + " of image " + image + " was pruned");
        }
        if (!img.has(version)) {
            throw new VolumeException(VolumeException.Kind.NOT_FOUND, "image " + image + " has no version " + version
                    + (img.versions() == 0 ? "" : " (it has 1 to " + img.versions() + ")"));
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
        try (var f = new RandomAccessFile(target.toFile(), "rw")) {
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
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
