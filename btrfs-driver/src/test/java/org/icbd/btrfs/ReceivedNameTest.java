package org.icbd.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;

import org.junit.jupiter.api.Test;

/** What btrfs receive prints about the subvolume it creates (stderr for full, stdout for incremental in v6.2). */
class ReceivedNameTest {
    @Test
    void findsTheAnnouncedName() {
        assertEquals(Optional.of("s1"), Btrfs.receivedName("At subvol s1\n"));
        assertEquals(Optional.of("s2"), Btrfs.receivedName("At snapshot s2\n\nERROR: something"));
        assertEquals(Optional.of("name with spaces"), Btrfs.receivedName("noise\nAt subvol name with spaces\n"));
    }

    @Test
    void ignoresAnythingThatIsNotAPlainName() {
        assertEquals(Optional.empty(), Btrfs.receivedName("ERROR: empty stream is not considered valid\n"));
        assertEquals(Optional.empty(), Btrfs.receivedName("At subvol ../../etc\n"));
        assertEquals(Optional.empty(), Btrfs.receivedName("At subvol ..\n"));
        assertEquals(Optional.empty(), Btrfs.receivedName("  At subvol s1\n"));
    }
}
