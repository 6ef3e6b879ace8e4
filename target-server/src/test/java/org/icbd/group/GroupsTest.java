package org.icbd.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.config.Subnet;
import org.icbd.config.WorkstationSettings;
import org.icbd.volume.CatalogState;
import org.icbd.volume.DiskMode;
import org.icbd.volume.ImageMaintenance;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeException;
import org.icbd.volume.Markers;
import org.icbd.volume.VolumeLayout;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import org.icbd.workstation.BootService;
import org.icbd.workstation.MacAddress;
import org.icbd.workstation.Workstations;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Groups on a real loop-mounted btrfs: what members get, moving a group's version, networks, enrolment, removal. */
class GroupsTest {

    private static final VolumeName GOLD = new VolumeName("gold");
    private static final VolumeName LAB = new VolumeName("lab");
    private static final InetSocketAddress LOCAL = new InetSocketAddress("10.0.0.1", 8080);

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(256L << 20);

    @TempDir
    Path tmp;

    private VolumeManager volumes;
    private Workstations workstations;
    private Groups groups;

    @BeforeEach
    void openDataRoot() throws IOException {
        volumes = VolumeManager.open(btrfs.fs().root().resolve("icbd"));
        workstations = new Workstations(volumes);
        groups = new Groups(volumes);
        Path source = Markers.image(tmp, "gold.img", "version-1");
        volumes.importImage(GOLD, source, done -> { });
        volumes.publish(GOLD);
        Markers.write(VolumeLayout.disk(volumes.layout().work(GOLD)), "version-2");
        volumes.publish(GOLD);
    }

    @Test
    void membersGetTheGroupsImageAndModeAndMoveWithItsVersion() throws IOException {
        groups.add(LAB, VersionSpec.parseOrNewest("gold@1"), DiskMode.RESET_ON_BOOT, List.of());
        CatalogState.Workstation a = workstations.add(new VolumeName("a"), List.of(MacAddress.parse("52:54:00:00:00:0a")), null, null,
                Workstations.DEFAULT_IQN_PREFIX, "lab");
        CatalogState.Workstation b = workstations.add(new VolumeName("b"), List.of(MacAddress.parse("52:54:00:00:00:0b")), null,
                DiskMode.PERSISTENT, Workstations.DEFAULT_IQN_PREFIX, "lab");
        assertEquals(List.of("gold", "gold", DiskMode.RESET_ON_BOOT, DiskMode.PERSISTENT, "lab"), List.of(a.image(), b.image(), a.mode(), b.mode(), a.group()));
        assertEquals("version-1", Markers.read(VolumeLayout.disk(volumes.layout().clone(new VolumeName("a"))), 9), "a new member's disk is the group's version");

        groups.set(LAB, new Groups.Change(new VersionSpec(GOLD, 2), null, null));
        assertEquals(2, VolumeManager.bootVersion(volumes.state(), a), "moving the group moves its members");
        assertEquals("version-1", Markers.read(VolumeLayout.disk(volumes.layout().clone(new VolumeName("b"))), 9), "a persistent member's disk waits for its reset");
        workstations.reset(new VolumeName("b"), 0);
        assertEquals("version-2", Markers.read(VolumeLayout.disk(volumes.layout().clone(new VolumeName("b"))), 9), "and its reset moves it");

        groups.set(LAB, new Groups.Change(VersionSpec.parseOrNewest("gold"), null, null));
        new ImageMaintenance(volumes).setCurrent(GOLD, 1);
        assertEquals(1, VolumeManager.bootVersion(volumes.state(), a), "a group following its image follows the image's rollback");

        VolumeException other = assertThrows(VolumeException.class, () -> workstations.add(new VolumeName("c"),
                List.of(MacAddress.parse("52:54:00:00:00:0c")), VersionSpec.parseOrNewest("silver"), null, Workstations.DEFAULT_IQN_PREFIX, "lab"));
        assertTrue(other.getMessage().contains("group lab's workstations boot image gold"), other.getMessage());
        VolumeException noGroup = assertThrows(VolumeException.class, () -> workstations.add(new VolumeName("c"),
                List.of(MacAddress.parse("52:54:00:00:00:0c")), null, null, Workstations.DEFAULT_IQN_PREFIX, "nosuch"));
        assertTrue(noGroup.getMessage().contains("no group named nosuch"), noGroup.getMessage());
        assertTrue(!volumes.state().workstations().containsKey("c") && !volumes.state().clones().containsKey("c"), "nothing was made");
    }

    @Test
    void aGroupWithWorkstationsIsNotRemovedAndKeepsItsImage() throws IOException {
        groups.add(LAB, VersionSpec.parseOrNewest("gold"), DiskMode.PERSISTENT, List.of("10.0.1.0/24"));
        VolumeException clash = assertThrows(VolumeException.class, () -> groups.add(LAB, VersionSpec.parseOrNewest("gold"), DiskMode.PERSISTENT, List.of()));
        assertEquals(VolumeException.Kind.CONFLICT, clash.kind());
        VolumeException badNet = assertThrows(VolumeException.class, () -> groups.add(new VolumeName("x"), VersionSpec.parseOrNewest("gold"),
                DiskMode.PERSISTENT, List.of("10.0.0.0/33")));
        assertTrue(badNet.getMessage().contains("prefix length"), badNet.getMessage());
        workstations.add(new VolumeName("a"), List.of(MacAddress.parse("52:54:00:00:00:0a")), null, null, Workstations.DEFAULT_IQN_PREFIX, "lab");
        workstations.add(new VolumeName("b"), List.of(MacAddress.parse("52:54:00:00:00:0b")), null, null, Workstations.DEFAULT_IQN_PREFIX, "lab");

        VolumeException remove = assertThrows(VolumeException.class, () -> groups.remove(LAB));
        assertTrue(remove.getMessage().contains("still has workstations [a, b]"), remove.getMessage());
        VolumeException image = assertThrows(VolumeException.class, () -> volumes.deleteImage(GOLD));
        assertTrue(image.getMessage().contains("clones") || image.getMessage().contains("groups [lab]"), image.getMessage());
        assertTrue(volumes.state().groups().containsKey("lab"));

        volumes.updateWorkstation(new VolumeName("a"), w -> w.inGroup(null));
        volumes.removeWorkstation(new VolumeName("b"));
        volumes.removeWorkstation(new VolumeName("a"));
        VolumeException used = assertThrows(VolumeException.class, () -> volumes.deleteImage(GOLD));
        assertTrue(used.getMessage().contains("is the image of groups [lab]"), used.getMessage());
        assertEquals("lab", groups.remove(LAB).name());
        assertTrue(volumes.state().groups().isEmpty());
        volumes.deleteImage(GOLD);
    }

    @Test
    void theBootEndpointRefusesAMemberFromAnotherNetworkAndEnrolsByNetwork() throws IOException {
        groups.add(LAB, VersionSpec.parseOrNewest("gold"), DiskMode.RESET_ON_BOOT, List.of("10.0.1.0/24"));
        groups.add(new VolumeName("office"), VersionSpec.parseOrNewest("gold@1"), DiskMode.PERSISTENT, List.of("10.0.2.0/24"));
        groups.add(new VolumeName("rest"), VersionSpec.parseOrNewest("gold@1"), DiskMode.PERSISTENT, List.of());
        var enrol = new WorkstationSettings.Enrolment(null, 0, DiskMode.PERSISTENT, "pc-{mac}", "rest");
        var settings = new WorkstationSettings(Optional.empty(), List.of(Subnet.parse("10.0.0.0/16")), Optional.empty(),
                Workstations.DEFAULT_IQN_PREFIX, Optional.of(enrol), 0);
        var boot = new BootService(workstations, null, settings, local -> local);

        BootService.Answer labPc = boot.boot("52:54:00:00:01:01", ip("10.0.1.7"), LOCAL);
        assertEquals(200, labPc.status(), labPc.script());
        CatalogState.Workstation enrolled = volumes.state().workstationWithMac("52:54:00:00:01:01").orElseThrow();
        assertEquals(List.of("lab", DiskMode.RESET_ON_BOOT), List.of(enrolled.group(), enrolled.mode()), "a MAC from the lab network joins lab");
        BootService.Answer elsewhere = boot.boot("52:54:00:00:03:03", ip("10.0.3.7"), LOCAL);
        assertEquals(200, elsewhere.status(), elsewhere.script());
        assertEquals("rest", volumes.state().workstationWithMac("52:54:00:00:03:03").orElseThrow().group(), "elsewhere: the enrol group");

        // a lab member's MAC asking from the office network: a clear refusal, and its disk is not reset
        Markers.write(VolumeLayout.disk(volumes.layout().clone(new VolumeName(enrolled.name()))), "its-write");
        BootService.Answer wrongNet = boot.boot("52:54:00:00:01:01", ip("10.0.2.9"), LOCAL);
        assertEquals(403, wrongNet.status());
        assertTrue(wrongNet.script().contains("of group lab, which boots from 10.0.1.0/24 only, not from 10.0.2.9")
                && !wrongNet.script().contains("sanboot") && !wrongNet.script().contains(enrolled.secret()), wrongNet.script());
        assertEquals("its-write", Markers.read(VolumeLayout.disk(volumes.layout().clone(new VolumeName(enrolled.name()))), 9), "nothing changed");
        assertEquals(2, volumes.state().workstations().size(), "nobody was enrolled either");
    }

    private static InetAddress ip(String s) throws IOException {
        return InetAddress.getByName(s);
    }
}
