package org.icbd.volume;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything the catalog knows about volumes, as one immutable value: a transaction reads one state
 * and writes the next, so a failed operation never leaves half a change behind.
 */
public record CatalogState(SortedMap<String, Image> images, SortedMap<String, Clone> clones, List<LunMap> luns,
                           SortedMap<String, Workstation> workstations) {

    /** A golden image and how many versions of it were published (0: none yet). */
    public record Image(String name, int versions, String created) {
    }

    /**
     * A workstation's disk, cloned from one version of an image. {@code id} is made once when the clone
     * is created and never changes (not even on reset): the LUN's serial and NAA derive from it.
     */
    public record Clone(String name, String image, int version, String id, String created) {
    }

    /**
     * A volume served as LUN {@code lun} of target {@code target} (an IQN, lower case): a clone
     * (read-write, {@code cloneName}) or a version {@code image@version} (read-only); exactly one is set.
     */
    public record LunMap(String target, long lun, String cloneName, String version) {
    }

    /**
     * A workstation: the machine with these MACs (lower case, colon separated) boots clone {@code clone}
     * (named like it) as LUN 0 of target {@code iqn}, proving itself with its own CHAP credentials.
     *
     * @param version the version it is pinned to, or 0 to follow its image's newest one
     * @param secret  its CHAP secret, never logged
     */
    public record Workstation(String name, List<String> macs, String image, int version, DiskMode mode, String iqn,
                              String user, String secret, String created) {
        public Workstation {
            macs = List.copyOf(macs);
        }

        /** Its disk: a clone named like it. */
        public String clone() {
            return name;
        }

        public Workstation with(List<String> macs, String image, int version, DiskMode mode) {
            return new Workstation(name, macs, image, version, mode, iqn, user, secret, created);
        }

        /** Without its CHAP secret, to show. */
        public Workstation redacted() {
            return new Workstation(name, macs, image, version, mode, iqn, user, null, created);
        }
    }

    private static final Comparator<LunMap> ORDER = Comparator.comparing(LunMap::target).thenComparingLong(LunMap::lun);

    public CatalogState {
        images = Collections.unmodifiableSortedMap(new TreeMap<>(images == null ? Map.of() : images));
        clones = Collections.unmodifiableSortedMap(new TreeMap<>(clones == null ? Map.of() : clones));
        List<LunMap> sorted = new ArrayList<>(luns == null ? List.of() : luns);
        sorted.sort(ORDER);
        luns = List.copyOf(sorted);
        workstations = Collections.unmodifiableSortedMap(new TreeMap<>(workstations == null ? Map.of() : workstations));
    }

    public CatalogState(SortedMap<String, Image> images, SortedMap<String, Clone> clones, List<LunMap> luns) {
        this(images, clones, luns, null);
    }

    public static CatalogState empty() {
        return new CatalogState(new TreeMap<>(), new TreeMap<>(), List.of());
    }

    public CatalogState with(Image image) {
        var next = new TreeMap<>(images);
        next.put(image.name(), image);
        return new CatalogState(next, clones, luns, workstations);
    }

    public CatalogState withoutImage(String name) {
        var next = new TreeMap<>(images);
        next.remove(name);
        return new CatalogState(next, clones, luns, workstations);
    }

    public CatalogState with(Clone clone) {
        var next = new TreeMap<>(clones);
        next.put(clone.name(), clone);
        return new CatalogState(images, next, luns, workstations);
    }

    public CatalogState withoutClone(String name) {
        var next = new TreeMap<>(clones);
        next.remove(name);
        return new CatalogState(images, next, luns, workstations);
    }

    public CatalogState with(LunMap map) {
        List<LunMap> next = new ArrayList<>(luns);
        next.add(map);
        return new CatalogState(images, clones, next, workstations);
    }

    public CatalogState withoutLun(String target, long lun) {
        List<LunMap> next = new ArrayList<>(luns);
        next.removeIf(m -> m.target().equals(target) && m.lun() == lun);
        return new CatalogState(images, clones, next, workstations);
    }

    public CatalogState with(Workstation w) {
        var next = new TreeMap<>(workstations);
        next.put(w.name(), w);
        return new CatalogState(images, clones, luns, next);
    }

    public CatalogState withoutWorkstation(String name) {
        var next = new TreeMap<>(workstations);
        next.remove(name);
        return new CatalogState(images, clones, luns, next);
    }

    /** The workstation one of whose MACs is {@code mac} (normalized). */
    public Optional<Workstation> workstationWithMac(String mac) {
        return workstations.values().stream().filter(w -> w.macs().contains(mac)).findFirst();
    }

    /** The LUNs mapped onto {@code target} (lower-case IQN), by number. */
    public List<LunMap> lunsOf(String target) {
        return luns.stream().filter(m -> m.target().equals(target)).toList();
    }
}
