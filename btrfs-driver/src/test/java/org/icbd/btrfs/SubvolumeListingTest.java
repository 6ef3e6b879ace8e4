package org.icbd.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** Parsing of `btrfs subvolume list -u -q -R` output captured from btrfs-progs v6.2. */
class SubvolumeListingTest {

    @Test
    void parsesCapturedOutput() throws IOException {
        String captured;
        try (InputStream in = getClass().getResourceAsStream("subvolume-list-u-q-R.txt")) {
            captured = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<SubvolumeListing.Entry> e = SubvolumeListing.parse(captured);
        assertEquals(4, e.size());
        assertEquals(new SubvolumeListing.Entry(256, 7, 5, Optional.empty(), Optional.empty(),
                UUID.fromString("4932f335-3672-144a-acd8-c6a4365f600e"), "a"), e.get(0));
        assertEquals("a/dir/x y", e.get(1).path(), "paths keep their spaces");
        assertEquals(256, e.get(1).topLevel());
        assertEquals(Optional.of(UUID.fromString("4932f335-3672-144a-acd8-c6a4365f600e")), e.get(2).parentUuid());
        assertEquals(Optional.of(UUID.fromString("6aeff942-213b-614d-bc11-4f8e229dc107")), e.get(3).receivedUuid());
        assertEquals(8, e.get(3).generation());
        assertEquals("rcv/snap", e.get(3).path());
    }

    @Test
    void emptyOutputIsNoSubvolumes() {
        assertEquals(List.of(), SubvolumeListing.parse(""));
        assertEquals(List.of(), SubvolumeListing.parse("\n"));
    }

    @Test
    void pathThatLooksLikeAFieldStaysAPath() {
        String line = "ID 300 gen 12 top level 5 parent_uuid - received_uuid - "
                + "uuid 6aeff942-213b-614d-bc11-4f8e229dc107 path images/x path uuid - gen 3\n";
        assertEquals("images/x path uuid - gen 3", SubvolumeListing.parse(line).get(0).path());
    }

    @Test
    void unexpectedLinesAreErrorsNotSilentlyDropped() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SubvolumeListing.parse("ID 256 gen 7 top level 5 path a\n"));
        assertTrue(e.getMessage().contains("ID 256 gen 7 top level 5 path a"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SubvolumeListing.parse(
                "ID 256 gen 7 top level 5 parent_uuid - received_uuid - uuid - path a"));
    }
}
