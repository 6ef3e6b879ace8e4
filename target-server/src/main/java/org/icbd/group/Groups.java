package org.icbd.group;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.icbd.config.Subnet;
import org.icbd.volume.Catalog;
import org.icbd.volume.CatalogState;
import org.icbd.volume.DiskMode;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeException;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;

/**
 * Groups of workstations: each says which image (following its current version or pinned to one) and
 * disk mode a new member gets, which version its members boot, and the networks they may boot from.
 * Moving a group to another version moves its members (reset-on-boot at their next boot, persistent at
 * their next reset).
 */
public final class Groups {

    private final VolumeManager volumes;

    public Groups(VolumeManager volumes) {
        this.volumes = volumes;
    }

    /** A change to a group; a null field keeps what the group has. */
    public record Change(VersionSpec image, DiskMode mode, List<String> networks) {
    }

    public CatalogState.Group add(VolumeName name, VersionSpec image, DiskMode mode, List<String> networks) throws IOException {
        List<String> nets = normalized(networks);
        return volumes.change(state -> {
            if (state.groups().containsKey(name.value())) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "group " + name + " already exists");
            }
            requireImage(state, image);
            var g = new CatalogState.Group(name.value(), image.image().value(), image.version(), mode, nets, Instant.now().toString());
            return Catalog.Outcome.of(state.with(g), g);
        });
    }

    /**
     * Changes a group. Its version moves every member that follows it; its mode is what new members get; its
     * image can change only while it has no members (a workstation's disk stays a clone of its image).
     */
    public CatalogState.Group set(VolumeName name, Change change) throws IOException {
        List<String> nets = change.networks() == null ? null : normalized(change.networks());
        return volumes.change(state -> {
            CatalogState.Group g = group(state, name);
            String image = g.image();
            int version = g.version();
            if (change.image() != null) {
                requireImage(state, change.image());
                image = change.image().image().value();
                version = change.image().version();
                List<String> members = state.membersOf(g.name());
                if (!image.equals(g.image()) && !members.isEmpty()) {
                    throw new VolumeException(VolumeException.Kind.CONFLICT, "group " + name + " has workstations " + members + " with disks of "
                            + g.image() + "; it can move to another version of " + g.image() + " (" + g.image() + "@N), not to image " + image);
                }
            }
            CatalogState.Group next = g.with(image, version, change.mode() == null ? g.mode() : change.mode(), nets == null ? g.networks() : nets);
            return Catalog.Outcome.of(state.with(next), next);
        });
    }

    /** Removes a group; refused while workstations are in it (they are named). */
    public CatalogState.Group remove(VolumeName name) throws IOException {
        return volumes.change(state -> {
            CatalogState.Group g = group(state, name);
            List<String> members = state.membersOf(g.name());
            if (!members.isEmpty()) {
                throw new VolumeException(VolumeException.Kind.CONFLICT, "group " + name + " still has workstations " + members
                        + "; move them to another group or remove them first ('icbd workstation set NAME --group G' or '--no-group')");
            }
            return Catalog.Outcome.of(state.withoutGroup(g.name()), g);
        });
    }

    public CatalogState.Group info(VolumeName name) throws IOException {
        return group(volumes.state(), name);
    }

    /** The version a group's members that follow it boot. */
    public static int version(CatalogState state, CatalogState.Group g) {
        if (g.version() != 0) return g.version();
        CatalogState.Image img = state.images().get(g.image());
        return img == null ? 0 : img.currentVersion();
    }

    /** Whether a boot request from {@code from} may boot a member of group {@code g} (no networks: any). */
    public static boolean bootsFrom(CatalogState.Group g, InetAddress from) {
        return g.networks().isEmpty() || g.networks().stream().anyMatch(n -> Subnet.parse(n).contains(from));
    }

    /** The group whose networks name {@code from} (the first by name), for a MAC enrolled from there. */
    public static Optional<CatalogState.Group> ofNetwork(CatalogState state, InetAddress from) {
        return state.groups().values().stream().filter(g -> !g.networks().isEmpty() && bootsFrom(g, from)).findFirst();
    }

    private static CatalogState.Group group(CatalogState state, VolumeName name) {
        CatalogState.Group g = state.groups().get(name.value());
        if (g == null) throw new VolumeException(VolumeException.Kind.NOT_FOUND, "no group named " + name + " (see 'icbd group list')");
        return g;
    }

    private static void requireImage(CatalogState state, VersionSpec image) {
        CatalogState.Image img = state.images().get(image.image().value());
        if (img == null) throw new VolumeException(VolumeException.Kind.NOT_FOUND, "no image named " + image.image() + " (see 'icbd image list')");
        if (image.version() != 0 && !img.has(image.version())) {
            throw new VolumeException(VolumeException.Kind.NOT_FOUND, "image " + image.image() + " has no version " + image.version());
        }
    }

    private static List<String> normalized(List<String> networks) {
        return networks.stream().map(n -> {
            try {
                Subnet s = Subnet.parse(n);
                return s.network().getHostAddress() + "/" + s.prefix();
            } catch (IllegalArgumentException e) {
                throw new VolumeException(VolumeException.Kind.INVALID, "network " + e.getMessage());
            }
        }).distinct().toList();
    }
}
