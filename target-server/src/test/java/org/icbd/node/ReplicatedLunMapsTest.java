package org.icbd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.icbd.config.HostPort;
import org.icbd.config.IcbdConfig;
import org.icbd.config.LunConfig;
import org.icbd.config.TargetConfig;
import org.icbd.iscsi.IscsiSettings;
import org.icbd.volume.CatalogState;
import org.icbd.volume.DiskMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which clones a cluster leader replicates because the catalog maps them onto its targets: those a new
 * leader takes over, the one a live map adds before its LUN opens, and when an unmap ends it.
 */
class ReplicatedLunMapsTest {

    private static final Path ROOT = Path.of("/var/lib/icbd");
    private static final String TARGET = "iqn.2026-11.org.icbd:ws01";
    private static final CatalogState.LunMap SCRATCH = new CatalogState.LunMap(TARGET, 1, "scratch", null);

    @Test
    void aNewLeaderTakesOverTheClonesMappedOntoItsTargetsOnly() {
        CatalogState state = CatalogState.empty().with(SCRATCH)
                .with(new CatalogState.LunMap(TARGET, 2, null, "lab@1"))
                .with(new CatalogState.LunMap("iqn.2026-11.org.icbd:elsewhere", 0, "other", null));
        List<WritableClone> clones = ReplicatedLunMaps.in(ROOT, true, List.of("IQN.2026-11.org.icbd:WS01"), state);
        assertEquals(List.of(new WritableClone("scratch", ROOT.resolve("clones/scratch"), ROOT.resolve("clones/scratch/disk.img"),
                TARGET, true)), clones, "the clone map of a configured target (IQNs compare without case); not the version, not another target's");
    }

    @Test
    void aMappedCloneIsReplicatedBeforeItsLunOpensAndNoLongerOnceNoLunServesIt() throws IOException {
        ReplicationSet set = new ReplicationSet(List.of());
        ReplicatedLunMaps maps = new ReplicatedLunMaps(ROOT, false, Set.of(), set);
        maps.opening(SCRATCH);
        maps.opening(new CatalogState.LunMap("iqn.2026-11.org.icbd:lab", 3, "scratch", null));
        assertEquals(1, set.clones().size(), "once, however many LUNs serve it");
        assertEquals(ROOT.resolve("clones/scratch/disk.img"), set.clones().get(0).disk());
        maps.unserved("scratch", CatalogState.empty());
        assertFalse(set.contains("scratch"));
    }

    @Test
    void aCloneTheFileListsOrAWorkstationBootsStaysReplicatedWhenItsMapGoes() throws IOException {
        WritableClone ws01 = new WritableClone("ws01", ROOT.resolve("clones/ws01"), ROOT.resolve("clones/ws01/disk.img"), TARGET, false);
        WritableClone pc = new WritableClone("pc1", ROOT.resolve("clones/pc1"), ROOT.resolve("clones/pc1/disk.img"), "iqn.x:pc1", false);
        ReplicationSet set = new ReplicationSet(List.of(ws01, pc));
        ReplicatedLunMaps maps = new ReplicatedLunMaps(ROOT, false, Set.of("ws01"), set);
        CatalogState state = CatalogState.empty().with(new CatalogState.Workstation("pc1", List.of("52:54:00:00:00:01"), "lab", 0,
                DiskMode.PERSISTENT, "iqn.x:pc1", "pc1", "secret123456", "2026-12-04T00:00:00Z"));
        maps.unserved("ws01", state);
        maps.unserved("pc1", state);
        assertTrue(set.contains("ws01") && set.contains("pc1"));
    }

    @Test
    void aSynchronousCloneWithoutAWriteLogIsNotOpened() {
        ReplicationSet set = new ReplicationSet(List.of());
        ReplicatedLunMaps maps = new ReplicatedLunMaps(ROOT, true, Set.of(), set);
        IOException e = assertThrows(IOException.class, () -> maps.opening(SCRATCH));
        assertTrue(e.getMessage().contains("no write log runs to replicate scratch synchronously"), e.getMessage());
        assertFalse(set.contains("scratch"), "its LUN stays closed: no write may escape the standbys' logs");
    }

    @Test
    void aNewLeaderLeavesOutOnlyACatalogMappedLunWhoseCloneIsNotHere(@TempDir Path root) throws IOException {
        Path here = Files.createDirectories(root.resolve("clones/scratch")).resolve("disk.img");
        Files.writeString(here, "x");
        LunConfig listed = new LunConfig(0, root.resolve("clones/ws01/disk.img"), false, 512); // the file's own, missing
        LunConfig mappedHere = new LunConfig(1, here, false, 512);
        LunConfig mappedMissing = new LunConfig(2, root.resolve("clones/late/disk.img"), false, 512);
        IcbdConfig config = new IcbdConfig(List.of(new HostPort("127.0.0.1", 3260)), Optional.empty(), IscsiSettings.defaults(), Optional.empty(),
                List.of(new TargetConfig(TARGET, "", List.of(listed, mappedHere, mappedMissing), Optional.empty(), Optional.empty(), List.of())));
        CatalogState state = CatalogState.empty().with(SCRATCH).with(new CatalogState.LunMap(TARGET, 2, "late", null));

        IcbdConfig servable = ReplicatedLunMaps.servable(config, state);
        assertEquals(List.of(listed, mappedHere), servable.targets().get(0).luns(),
                "the catalog's map whose clone never reached this node is left out; a LUN the file lists is not the catalog's to drop");
        assertEquals(config.withTargets(servable.targets()), servable, "nothing else of the configuration changes");
        assertSame(config, ReplicatedLunMaps.servable(config, CatalogState.empty().with(SCRATCH)), "nothing missing: the configuration as read");
    }
}
