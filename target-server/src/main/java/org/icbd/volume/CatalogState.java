package org.icbd.volume;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything the catalog knows about volumes, as one immutable value: a transaction reads one state
 * and writes the next, so a failed operation never leaves half a change behind.
 */
public record CatalogState(SortedMap<String, Image> images, SortedMap<String, Clone> clones) {

    /** A golden image and how many versions of it were published (0: none yet). */
    public record Image(String name, int versions, String created) {
    }

    /**
     * A workstation's disk, cloned from one version of an image. {@code id} is made once when the clone
     * is created and never changes (not even on reset): the LUN's serial and NAA derive from it.
     */
    public record Clone(String name, String image, int version, String id, String created) {
    }

    public CatalogState {
        images = Collections.unmodifiableSortedMap(new TreeMap<>(images == null ? Map.of() : images));
        clones = Collections.unmodifiableSortedMap(new TreeMap<>(clones == null ? Map.of() : clones));
    }

    public static CatalogState empty() {
        return new CatalogState(new TreeMap<>(), new TreeMap<>());
    }

    public CatalogState with(Image image) {
        var next = new TreeMap<>(images);
        next.put(image.name(), image);
        return new CatalogState(next, clones);
    }

    public CatalogState withoutImage(String name) {
        var next = new TreeMap<>(images);
        next.remove(name);
        return new CatalogState(next, clones);
    }

    public CatalogState with(Clone clone) {
        var next = new TreeMap<>(clones);
        next.put(clone.name(), clone);
        return new CatalogState(images, next);
    }

    public CatalogState withoutClone(String name) {
        var next = new TreeMap<>(clones);
        next.remove(name);
        return new CatalogState(images, next);
    }
}
