package org.icbd.volume;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The life of an image after its first version: a maintenance workstation edits its work copy
 * ({@link #edit}, exclusive), the image is rolled back or forward ({@link #setCurrent}) and versions
 * nothing uses any more are deleted ({@link #prune}).
 */
public final class ImageMaintenance {

    /** What {@link #prune} did: the versions deleted, and each version kept with why. */
    public record Pruned(List<Integer> deleted, SortedMap<Integer, String> kept) {
    }

    private final VolumeManager volumes;

    public ImageMaintenance(VolumeManager volumes) {
        this.volumes = volumes;
    }

    /**
     * Points the image at version {@code version} (0: follow the newest): workstations that follow it (no pinned
     * version, no group pinning one) boot that version, reset-on-boot ones at their next boot, persistent ones at
     * their next reset. Publishing makes the newest current again.
     */
    public CatalogState.Image setCurrent(VolumeName image, int version) throws IOException {
        return volumes.change(state -> {
            CatalogState.Image img = VolumeManager.image(state, image);
            if (version != 0) VolumeManager.requireVersion(img, image, version);
            CatalogState.Image next = img.withCurrent(version == img.versions() ? 0 : version);
            return Catalog.Outcome.of(state.with(next), next);
        });
    }

    /**
     * Lets workstation {@code workstation} boot the image's work copy (writable) instead of its own disk until
     * {@link #done}. One workstation at a time: a second is refused, naming the one that holds it.
     */
    public CatalogState.Image edit(VolumeName image, VolumeName workstation) throws IOException {
        return volumes.change(state -> {
            CatalogState.Image img = VolumeManager.image(state, image);
            if (!state.workstations().containsKey(workstation.value())) {
                throw new VolumeException(VolumeException.Kind.NOT_FOUND, "no workstation named " + workstation + " (see 'icbd workstation list')");
            }
            if (img.editor() != null) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "image " + image + "'s work copy is already being edited by workstation "
                        + img.editor() + "; end that first ('icbd image edit " + image + " --done')");
            }
            Optional<CatalogState.Image> other = state.editedBy(workstation.value());
            if (other.isPresent()) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "workstation " + workstation + " is already editing image "
                        + other.get().name() + "; end that first ('icbd image edit " + other.get().name() + " --done')");
            }
            // a cluster's standby has the leader's work copy only as replicas: the leader, which serves it, has it
            if (volumes.disksHere() && !Files.exists(VolumeLayout.disk(volumes.layout().work(image)))) {
                throw new VolumeException(VolumeException.Kind.NOT_FOUND, "image " + image + " has no work copy at "
                        + volumes.layout().work(image));
            }
            CatalogState.Image next = img.withEditor(workstation.value());
            return Catalog.Outcome.of(state.with(next), next);
        });
    }

    /** Ends the edit of the image's work copy: its editor boots its own disk again. Returns the workstation it had. */
    public String done(VolumeName image) throws IOException {
        return volumes.change(state -> {
            CatalogState.Image img = VolumeManager.image(state, image);
            if (img.editor() == null) {
                throw new VolumeException(VolumeException.Kind.NOT_FOUND, "nobody is editing image " + image + "'s work copy");
            }
            return Catalog.Outcome.of(state.with(img.withEditor(null)), img.editor());
        });
    }

    /**
     * Deletes the versions of an image nothing uses: all but the newest {@code keep}, the current one, and any a
     * workstation boots or is pinned to, a group pins, a clone was made from (its reset goes back to it) or a
     * LUN map serves.
     */
    public Pruned prune(VolumeName image, int keep) throws IOException {
        if (keep < 1) throw new VolumeException(VolumeException.Kind.INVALID, "--keep must be 1 or more (the newest version is always kept); got " + keep);
        return volumes.change(state -> {
            CatalogState.Image img = VolumeManager.image(state, image);
            SortedMap<Integer, String> kept = reasons(state, img, keep);
            List<Integer> deleted = new ArrayList<>();
            for (int v = 1; v <= img.versions(); v++) {
                if (img.has(v) && !kept.containsKey(v)) deleted.add(v);
            }
            var result = new Pruned(List.copyOf(deleted), kept);
            if (deleted.isEmpty()) return Catalog.Outcome.of(null, result);
            return Catalog.Outcome.then(state.with(img.withPruned(deleted)), result, () -> {
                for (int v : deleted) {
                    Path version = volumes.layout().version(image, v);
                    if (Files.exists(version)) volumes.fileSystem().discard(version);
                }
            });
        });
    }

    /** Every reason each version that must stay has (a version no longer there has none). */
    private static SortedMap<Integer, String> reasons(CatalogState state, CatalogState.Image img, int keep) {
        Map<Integer, List<String>> why = new TreeMap<>();
        int newest = 0;
        for (int v = img.versions(); v >= 1 && newest < keep; v--) {
            if (img.has(v)) {
                add(why, v, "one of the newest " + keep);
                newest++;
            }
        }
        if (img.current() != 0) add(why, img.current(), "the image's current version");
        for (CatalogState.Workstation w : state.workstations().values()) {
            if (w.image().equals(img.name())) add(why, VolumeManager.bootVersion(state, w), "workstation " + w.name() + " boots it");
        }
        for (CatalogState.Group g : state.groups().values()) {
            if (g.image().equals(img.name()) && g.version() != 0) add(why, g.version(), "group " + g.name() + " is pinned to it");
        }
        for (CatalogState.Clone c : state.clones().values()) {
            if (c.image().equals(img.name())) add(why, c.version(), "clone " + c.name() + " was made from it");
        }
        for (CatalogState.LunMap m : state.luns()) {
            if (m.version() == null) continue;
            VersionSpec served = VersionSpec.parse(m.version());
            if (served.image().value().equals(img.name())) add(why, served.version(), "LUN " + m.lun() + " of " + m.target() + " serves it");
        }
        SortedMap<Integer, String> kept = new TreeMap<>();
        why.forEach((v, reasons) -> {
            if (img.has(v)) kept.put(v, String.join("; ", reasons));
        });
        return kept;
    }

    private static void add(Map<Integer, List<String>> why, int version, String reason) {
        if (version > 0) why.computeIfAbsent(version, v -> new ArrayList<>()).add(reason);
    }
}
