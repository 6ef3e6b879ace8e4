package org.icbd.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class MountTableTest {
    private static final String MOUNTINFO = """
            26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
            42 26 0:38 / /tmp/tm rw,relatime - btrfs /dev/loop0 rw,space_cache=v2,subvolid=5,subvol=/
            43 26 0:38 /a\\040b /tmp/with\\040space rw,relatime - btrfs /dev/loop0 rw,subvolid=256,subvol=/a b
            44 42 0:39 / /tmp/tm/inner rw,relatime - tmpfs tmpfs rw
            """;

    @Test
    void parsesEscapesAndOptionalFields() {
        List<MountTable.Mount> m = MountTable.parse(MOUNTINFO);
        assertEquals(4, m.size());
        assertEquals(new MountTable.Mount("/", Path.of("/"), "ext4", "/dev/vda"), m.get(0));
        assertEquals(new MountTable.Mount("/a b", Path.of("/tmp/with space"), "btrfs", "/dev/loop0"), m.get(2));
    }

    @Test
    void innermostMountWins() {
        List<MountTable.Mount> m = MountTable.parse(MOUNTINFO);
        assertEquals("btrfs", MountTable.containing(m, Path.of("/tmp/tm/x/y")).orElseThrow().fsType());
        assertEquals("tmpfs", MountTable.containing(m, Path.of("/tmp/tm/inner/z")).orElseThrow().fsType());
        assertEquals("ext4", MountTable.containing(m, Path.of("/tmp/tmx")).orElseThrow().fsType(), "not a string prefix");
    }

    @Test
    void garbageIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> MountTable.parse("42 26 0:38 / /x rw\n"));
    }
}
