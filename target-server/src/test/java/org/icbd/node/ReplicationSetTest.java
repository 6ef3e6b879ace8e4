package org.icbd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.icbd.failover.WriteLog;
import org.icbd.volume.CatalogState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which volumes a leader replicates as its catalog changes: images' work copies beside the clones. */
class ReplicationSetTest {

    private static final byte[] SECRET = "a-cluster-secret-of-32-bytes!!!!".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path root;

    @Test
    void anImagesWorkCopyIsReplicatedSynchronouslyFromItsImportUntilItsImageIsDeleted() throws Exception {
        WritableClone ws01 = new WritableClone("ws01", root.resolve("clones/ws01"), root.resolve("clones/ws01/disk.img"), "iqn.x:ws01", true);
        ReplicationSet set = new ReplicationSet(List.of(ws01));
        try (WriteLog log = new WriteLog("site1", SECRET, 1, "a", Duration.ofSeconds(3), set.syncNames(), inSync -> { })) {
            set.writeLog(log);
            CatalogState withLab = CatalogState.empty().with(new CatalogState.Image("lab", 1, "2026-12-04T00:00:00Z"))
                    .with(new CatalogState.Image("win11", 0, "2026-12-04T00:00:00Z"));
            Files.createDirectories(root.resolve("images/lab/work")); // win11's is on another node only

            set.followWorkCopies(withLab, root, true);
            assertTrue(set.contains("lab@work"), "lab's work copy is replicated");
            assertFalse(set.contains("win11@work"), "nothing of win11's work copy is here to replicate");
            assertEquals(Optional.of("lab@work"), set.syncVolumeOf(root.resolve("images/lab/work/disk.img").toAbsolutePath().normalize()),
                    "its writes go through the write log under its own name");
            assertEquals(Map.of("ws01", Set.of(), "lab@work", Set.of()), log.inSync(), "no standby is in sync for it before its first checkpoint");

            set.followWorkCopies(CatalogState.empty().with(new CatalogState.Image("win11", 0, "2026-12-04T00:00:00Z")), root, true);
            assertFalse(set.contains("lab@work"), "a deleted image's work copy is no longer replicated");
            assertTrue(set.contains("ws01"), "clones are left alone");
            assertEquals(Set.of("ws01"), log.inSync().keySet());
        }
    }

    @Test
    void aWorkCopysNameIsNoClonesName() {
        assertEquals(Optional.of("lab"), WritableClone.workCopyOf(WritableClone.workCopy(Path.of("/data"), "lab", "", false).name()));
        assertEquals(Optional.empty(), WritableClone.workCopyOf("ws01"));
    }
}
