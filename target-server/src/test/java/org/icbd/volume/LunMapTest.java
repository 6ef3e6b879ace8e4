package org.icbd.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** LUN maps in the catalog: what may be mapped where, and what mapping protects. */
class LunMapTest {

    private static final String T1 = "iqn.2026-11.org.example:ws";
    private static final String T2 = "iqn.2026-11.org.example:lab";

    @TempDir
    Path dir;

    private VolumeManager volumes;
    private final VolumeName gold = new VolumeName("gold");
    private final VolumeName ws01 = new VolumeName("ws01");

    @BeforeEach
    void imageAndClone() throws Exception {
        volumes = VolumeManager.open(dir.resolve("data"));
        Path src = dir.resolve("src.img");
        try (RandomAccessFile f = new RandomAccessFile(src.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        volumes.importImage(gold, src, d -> { });
        volumes.publish(gold);
        volumes.createClone(gold, 1, ws01);
    }

    @Test
    void lunsTakeTheLowestFreeNumberOrTheOneAskedFor() throws Exception {
        assertEquals(0, volumes.mapLun(T1, -1, ws01, null, 0).lun());
        assertEquals(5, volumes.mapLun(T1, 5, null, gold, 1).lun());
        assertEquals(1, volumes.mapLun(T1, -1, null, gold, 1).lun());
        assertEquals(0, volumes.mapLun(T2.toUpperCase().replace("IQN", "iqn"), -1, null, gold, 1).lun(), "IQNs compare in lower case");
        assertEquals(List.of(0L, 1L, 5L), volumes.state().lunsOf(T1).stream().map(CatalogState.LunMap::lun).toList());
        assertEquals("ws01", volumes.state().lunsOf(T1).get(0).cloneName());
        assertEquals("gold@1", volumes.state().lunsOf(T1).get(1).version());
    }

    @Test
    void aWritableCloneIsServedOnceAndANumberOnce() throws Exception {
        volumes.mapLun(T1, 0, ws01, null, 0);
        assertConflict("already LUN 0", () -> volumes.mapLun(T2, -1, ws01, null, 0));
        assertConflict("already mapped", () -> volumes.mapLun(T1, 0, null, gold, 1));
        VolumeException missing = assertThrows(VolumeException.class, () -> volumes.mapLun(T1, -1, null, gold, 2));
        assertEquals(VolumeException.Kind.NOT_FOUND, missing.kind());
        assertEquals(VolumeException.Kind.INVALID,
                assertThrows(VolumeException.class, () -> volumes.mapLun(T1, 16384, null, gold, 1)).kind());
    }

    @Test
    void mappedVolumesCannotBeDeletedUntilUnmapped() throws Exception {
        volumes.mapLun(T1, 0, ws01, null, 0);
        volumes.mapLun(T2, 3, null, gold, 1);
        assertConflict("unmap it first", () -> volumes.deleteClone(ws01));
        volumes.unmapLun(T1, 0);
        volumes.deleteClone(ws01);
        assertConflict("is mapped", () -> volumes.deleteImage(gold));
        volumes.unmapLun(T2, 3);
        volumes.deleteImage(gold);
        assertTrue(volumes.state().luns().isEmpty());
        assertEquals(VolumeException.Kind.NOT_FOUND, assertThrows(VolumeException.class, () -> volumes.unmapLun(T2, 3)).kind());
    }

    private static void assertConflict(String fragment, Executable op) {
        VolumeException e = assertThrows(VolumeException.class, op);
        assertEquals(VolumeException.Kind.CONFLICT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
