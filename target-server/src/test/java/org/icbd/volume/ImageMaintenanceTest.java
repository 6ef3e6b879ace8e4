package org.icbd.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.icbd.btrfs.Btrfs;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Image edit (one maintenance workstation at a time), rollback and prune on a real loop-mounted btrfs. */
class ImageMaintenanceTest {

    private static final VolumeName GOLD = new VolumeName("gold");

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(256L << 20);

    @TempDir
    Path tmp;

    private Path root;
    private VolumeManager volumes;
    private ImageMaintenance images;

    @BeforeEach
    void openDataRoot() throws IOException {
        root = btrfs.fs().root().resolve("icbd");
        volumes = VolumeManager.open(root);
        images = new ImageMaintenance(volumes);
        Path source = Markers.image(tmp, "gold.img", "version-1");
        volumes.importImage(GOLD, source, done -> { });
        volumes.publish(GOLD);
    }

    @Test
    void oneWorkstationEditsTheWorkCopyAtATimeAndPublishWaitsForItsDone() throws IOException {
        addWorkstation("maint", 0, DiskMode.PERSISTENT);
        addWorkstation("other", 0, DiskMode.PERSISTENT);
        images.edit(GOLD, new VolumeName("maint"));
        assertEquals("maint", volumes.imageInfo(GOLD).editor());

        VolumeException second = assertThrows(VolumeException.class, () -> images.edit(GOLD, new VolumeName("other")));
        assertEquals(VolumeException.Kind.CONFLICT, second.kind());
        assertTrue(second.getMessage().contains("already being edited by workstation maint"), second.getMessage());
        VolumeException publish = assertThrows(VolumeException.class, () -> volumes.publish(GOLD));
        assertTrue(publish.getMessage().contains("workstation maint is editing") && publish.getMessage().contains("--done"), publish.getMessage());
        VolumeException remove = assertThrows(VolumeException.class, () -> volumes.removeWorkstation(new VolumeName("maint")));
        assertTrue(remove.getMessage().contains("editing image gold"), remove.getMessage());
        assertThrows(VolumeException.class, () -> images.edit(GOLD, new VolumeName("nobody")));
        assertEquals(1, volumes.imageInfo(GOLD).versions(), "nothing refused changed anything");

        Markers.write(VolumeLayout.disk(volumes.layout().work(GOLD)), "version-2");
        assertEquals("maint", images.done(GOLD));
        assertEquals(null, volumes.imageInfo(GOLD).editor());
        assertThrows(VolumeException.class, () -> images.done(GOLD), "a second --done says nobody edits it");
        assertEquals(2, volumes.publish(GOLD));
        assertEquals("version-2", Markers.read(VolumeLayout.disk(volumes.layout().version(GOLD, 2)), 9), "the edit is the new version");
        assertEquals("version-1", Markers.read(VolumeLayout.disk(volumes.layout().version(GOLD, 1)), 9), "the old one is untouched");
    }

    @Test
    void rollingTheImageBackMovesTheWorkstationsThatFollowItAndPublishingMovesThemForward() throws IOException {
        Markers.write(VolumeLayout.disk(volumes.layout().work(GOLD)), "version-2");
        volumes.publish(GOLD);
        CatalogState.Workstation follows = addWorkstation("follows", 0, DiskMode.RESET_ON_BOOT);
        CatalogState.Workstation pinned = addWorkstation("pinned", 2, DiskMode.RESET_ON_BOOT);
        assertEquals(2, VolumeManager.bootVersion(volumes.state(), follows));

        images.setCurrent(GOLD, 1);
        assertEquals(1, VolumeManager.bootVersion(volumes.state(), follows), "rolled back");
        assertEquals(2, VolumeManager.bootVersion(volumes.state(), pinned), "a pinned workstation stays");
        volumes.resetClone(new VolumeName("follows"), VolumeManager.bootVersion(volumes.state(), follows));
        assertEquals("version-1", Markers.read(VolumeLayout.disk(volumes.layout().clone(new VolumeName("follows"))), 9));

        assertThrows(VolumeException.class, () -> images.setCurrent(GOLD, 3), "no version 3");
        assertEquals(1, volumes.imageInfo(GOLD).currentVersion());
        volumes.publish(GOLD);
        assertEquals(3, VolumeManager.bootVersion(volumes.state(), follows), "a publish makes the newest current again");
    }

    @Test
    void pruneDeletesOnlyVersionsNothingUsesAndSaysWhyTheOthersStay() throws IOException {
        for (int v = 2; v <= 6; v++) {
            Markers.write(VolumeLayout.disk(volumes.layout().work(GOLD)), "version-" + v);
            volumes.publish(GOLD);
        }
        // 1: a clone's base; 2: a LUN map serves it; 3: a workstation pinned; 4: unused; 5, 6: the newest two
        volumes.createClone(GOLD, 1, new VolumeName("c1"));
        volumes.mapLun("iqn.2026-11.org.example:lab", 0, null, GOLD, 2);
        addWorkstation("ws3", 3, DiskMode.PERSISTENT);
        volumes.resetClone(new VolumeName("ws3"), 3);

        VolumeException zero = assertThrows(VolumeException.class, () -> images.prune(GOLD, 0));
        assertTrue(zero.getMessage().contains("--keep must be 1 or more"), zero.getMessage());

        ImageMaintenance.Pruned p = images.prune(GOLD, 2);
        assertEquals(List.of(4), p.deleted());
        assertTrue(p.kept().get(1).contains("clone c1 was made from it"), p.kept().toString());
        assertTrue(p.kept().get(2).contains("LUN 0 of iqn.2026-11.org.example:lab serves it"), p.kept().toString());
        assertTrue(p.kept().get(3).contains("workstation ws3 boots it"), p.kept().toString());
        assertTrue(p.kept().get(5).contains("one of the newest 2") && p.kept().get(6).contains("one of the newest 2"), p.kept().toString());
        assertFalse(Files.exists(volumes.layout().version(GOLD, 4)), "its subvolume is gone");
        Set<String> subvolumes = new Btrfs().list(root).stream().map(s -> root.relativize(s.path().toAbsolutePath()).toString())
                .collect(Collectors.toSet());
        assertFalse(subvolumes.contains("images/gold/versions/4"), subvolumes.toString());
        assertTrue(subvolumes.containsAll(Set.of("images/gold/versions/1", "images/gold/versions/2", "images/gold/versions/3",
                "images/gold/versions/5", "images/gold/versions/6")), subvolumes.toString());

        VolumeException gone = assertThrows(VolumeException.class, () -> volumes.createClone(GOLD, 4, new VolumeName("c4")));
        assertTrue(gone.getMessage().contains("version 4 of image gold was pruned"), gone.getMessage());
        assertThrows(VolumeException.class, () -> images.setCurrent(GOLD, 4));
        assertEquals(7, volumes.publish(GOLD), "numbers are not reused");
        assertEquals(List.of(), images.prune(GOLD, 3).deleted().stream().filter(v -> v == 4).toList(), "4 is not pruned twice");
    }

    private CatalogState.Workstation addWorkstation(String name, int version, DiskMode mode) throws IOException {
        String mac = String.format("52:54:00:00:00:%02x", volumes.state().workstations().size() + 1);
        return volumes.addWorkstation(new CatalogState.Workstation(name, List.of(mac), "gold", version, mode,
                "iqn.2026-11.org.icbd.workstation:" + name, name, "secret-secret-1", Instant.now().toString()));
    }
}
