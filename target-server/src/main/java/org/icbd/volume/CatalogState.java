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
                           SortedMap<String, Workstation> workstations, SortedMap<String, Group> groups) {

    /**
     * A golden image and how many versions of it were published (0: none yet).
     *
     * @param current the version workstations following the image boot (a rollback points it back), 0: the newest
     * @param editor  the workstation that boots its work copy for maintenance ('icbd image edit'), or null
     * @param pruned  versions deleted by 'icbd image prune' (numbers are never reused)
     */
    public record Image(String name, int versions, String created, int current, String editor, List<Integer> pruned) {
        public Image {
            pruned = pruned == null ? List.of() : List.copyOf(pruned);
        }

        public Image(String name, int versions, String created) {
            this(name, versions, created, 0, null, List.of());
        }

        /** The version its followers boot: {@link #current}, or the newest. */
        public int currentVersion() {
            return current != 0 ? current : versions;
        }

        /** Whether version {@code v} was published and not pruned. */
        public boolean has(int v) {
            return v >= 1 && v <= versions && !pruned.contains(v);
        }

        public Image published(int next) {
            return new Image(name, next, created, 0, editor, pruned);
        }

        public Image withCurrent(int version) {
            return new Image(name, versions, created, version, editor, pruned);
        }

        public Image withEditor(String workstation) {
            return new Image(name, versions, created, current, workstation, pruned);
        }

        public Image withPruned(List<Integer> more) {
            List<Integer> all = new ArrayList<>(pruned);
            all.addAll(more);
            all.sort(null);
            return new Image(name, versions, created, current, editor, all);
        }
    }

    /**
     * A group of workstations: what new members get (an image, pinned or following its current version, and a
     * disk mode), the version members that follow it boot, and the networks they may boot from.
     *
     * @param version  the version its members boot, or 0: the image's current one
     * @param networks the networks (CIDR) its members' boot requests may come from; empty: any the site answers
     */
    public record Group(String name, String image, int version, DiskMode mode, List<String> networks, String created) {
        public Group {
            networks = networks == null ? List.of() : List.copyOf(networks);
        }

        public Group with(String image, int version, DiskMode mode, List<String> networks) {
            return new Group(name, image, version, mode, networks, created);
        }
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
                              String user, String secret, String created, String group) {
        public Workstation {
            macs = List.copyOf(macs);
        }

        public Workstation(String name, List<String> macs, String image, int version, DiskMode mode, String iqn,
                           String user, String secret, String created) {
            this(name, macs, image, version, mode, iqn, user, secret, created, null);
        }

        /** The same workstation in group {@code group} (null: none). */
        public Workstation inGroup(String group) {
            return new Workstation(name, macs, image, version, mode, iqn, user, secret, created, group);
        }

        /** Its disk: a clone named like it. */
        public String clone() {
            return name;
        }

        public Workstation with(List<String> macs, String image, int version, DiskMode mode) {
            return new Workstation(name, macs, image, version, mode, iqn, user, secret, created, group);
        }

        /** Without its CHAP secret, to show. */
        public Workstation redacted() {
            return new Workstation(name, macs, image, version, mode, iqn, user, null, created, group);
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
        groups = Collections.unmodifiableSortedMap(new TreeMap<>(groups == null ? Map.of() : groups));
    }

    public CatalogState(SortedMap<String, Image> images, SortedMap<String, Clone> clones, List<LunMap> luns,
                        SortedMap<String, Workstation> workstations) {
        this(images, clones, luns, workstations, null);
    }

    public CatalogState(SortedMap<String, Image> images, SortedMap<String, Clone> clones, List<LunMap> luns) {
        this(images, clones, luns, null, null);
    }

    public static CatalogState empty() {
        return new CatalogState(new TreeMap<>(), new TreeMap<>(), List.of());
    }

    public CatalogState with(Image image) {
        var next = new TreeMap<>(images);
        next.put(image.name(), image);
        return new CatalogState(next, clones, luns, workstations, groups);
    }

    public CatalogState withoutImage(String name) {
        var next = new TreeMap<>(images);
        next.remove(name);
        return new CatalogState(next, clones, luns, workstations, groups);
    }

    public CatalogState with(Clone clone) {
        var next = new TreeMap<>(clones);
        next.put(clone.name(), clone);
        return new CatalogState(images, next, luns, workstations, groups);
    }

    public CatalogState withoutClone(String name) {
        var next = new TreeMap<>(clones);
        next.remove(name);
        return new CatalogState(images, next, luns, workstations, groups);
    }

    public CatalogState with(LunMap map) {
        List<LunMap> next = new ArrayList<>(luns);
        next.add(map);
        return new CatalogState(images, clones, next, workstations, groups);
    }

    public CatalogState withoutLun(String target, long lun) {
        List<LunMap> next = new ArrayList<>(luns);
        next.removeIf(m -> m.target().equals(target) && m.lun() == lun);
        return new CatalogState(images, clones, next, workstations, groups);
    }

    public CatalogState with(Workstation w) {
        var next = new TreeMap<>(workstations);
        next.put(w.name(), w);
        return new CatalogState(images, clones, luns, next, groups);
    }

    public CatalogState withoutWorkstation(String name) {
        var next = new TreeMap<>(workstations);
        next.remove(name);
        return new CatalogState(images, clones, luns, next, groups);
    }

    public CatalogState with(Group g) {
        var next = new TreeMap<>(groups);
        next.put(g.name(), g);
        return new CatalogState(images, clones, luns, workstations, next);
    }

    public CatalogState withoutGroup(String name) {
        var next = new TreeMap<>(groups);
        next.remove(name);
        return new CatalogState(images, clones, luns, workstations, next);
    }

    /** The members of group {@code name}, by name. */
    public List<String> membersOf(String name) {
        return workstations.values().stream().filter(w -> name.equals(w.group())).map(Workstation::name).toList();
    }

    /** The image whose work copy workstation {@code name} edits, if any. */
    public Optional<Image> editedBy(String name) {
        return images.values().stream().filter(i -> name.equals(i.editor())).findFirst();
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
