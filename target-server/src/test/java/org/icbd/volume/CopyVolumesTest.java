package org.icbd.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import org.icbd.btrfs.Btrfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data root that is not btrfs (a laptop's ext4): the same operations, as copies. */
class CopyVolumesTest {

    @TempDir
    Path tmp;

    @Test
    void everyOperationWorksWithCopiesWhenTheRootIsNotBtrfs() throws IOException {
        assumeFalse(new Btrfs().isBtrfs(tmp), "the temp directory is on btrfs; this test is about other file systems");
        VolumeManager volumes = VolumeManager.open(tmp.resolve("data"));
        assertFalse(volumes.instantClones(), "the CLI warns on this: clones are not instant");

        byte[] content = new byte[1 << 20];
        new Random(1).nextBytes(content);
        Path source = Files.write(tmp.resolve("src.img"), content);
        VolumeName gold = new VolumeName("gold");
        volumes.importImage(gold, source, d -> { });
        volumes.publish(gold);
        VolumeName ws = new VolumeName("ws01");
        volumes.createClone(gold, 1, ws);

        Path version = volumes.versionDisk(gold, 1);
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(version)));
        Files.write(volumes.cloneDisk(ws), new byte[16]);
        assertArrayEquals(content, Files.readAllBytes(version), "writing the clone leaves the version alone");
        volumes.resetClone(ws);
        assertArrayEquals(content, Files.readAllBytes(volumes.cloneDisk(ws)));
        volumes.deleteClone(ws);
        volumes.deleteImage(gold);
        assertTrue(volumes.state().images().isEmpty());
        assertFalse(Files.exists(tmp.resolve("data/images/gold")));
    }
}
