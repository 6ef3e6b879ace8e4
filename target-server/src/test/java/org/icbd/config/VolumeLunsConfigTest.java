package org.icbd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LUNs named by volume ({@code clone:}, {@code version:}) instead of by file. */
class VolumeLunsConfigTest {

    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();
    private VolumeManager volumes;

    @BeforeEach
    void dataRoot() throws IOException {
        volumes = VolumeManager.open(dir.resolve("data"));
        Path src = dir.resolve("src.img");
        try (RandomAccessFile f = new RandomAccessFile(src.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        VolumeName gold = new VolumeName("gold");
        volumes.importImage(gold, src, d -> { });
        volumes.publish(gold);
        volumes.createClone(gold, 1, new VolumeName("ws01"));
        volumes.createClone(gold, 1, new VolumeName("ws02"));
    }

    @Test
    void clonesServeReadWriteAndVersionsReadOnlyWithTheVolumesIdentity() throws ConfigException, IOException {
        IcbdConfig c = loader.parse(config("[{clone: ws01}, {clone: ws02, lun: 1}, {version: gold@1, lun: 2}]"), dir);
        List<LunConfig> luns = c.targets().get(0).luns();
        VolumeName ws01 = new VolumeName("ws01");
        assertEquals(new LunConfig(0, volumes.cloneDisk(ws01), false, 512, volumes.cloneIdentity(ws01), null, true), luns.get(0));
        assertNotEquals(luns.get(0).identity(), luns.get(1).identity(), "two clones are two disks");
        assertEquals(new LunConfig(2, volumes.versionDisk(new VolumeName("gold"), 1), true, 512,
                VolumeManager.versionIdentity(new VolumeName("gold"), 1), null, true), luns.get(2));
    }

    @Test
    void mistakesNameTheKey() {
        assertError(config("[{clone: ws09}]"), "targets[0].luns[0].clone", "no clone named ws09");
        assertError(config("[{clone: ../ws01}]"), "targets[0].luns[0].clone", "invalid name");
        assertError(config("[{version: gold}]"), "targets[0].luns[0].version", "IMAGE@N");
        assertError(config("[{version: gold@2}]"), "targets[0].luns[0].version", "no version 2");
        assertError(config("[{version: gold@1, read-only: false}]"), "targets[0].luns[0].read-only", "always served read-only");
        assertError(config("[{clone: ws01, path: x.img}]"), "targets[0].luns[0]", "exactly one of path, clone, version");
        assertError(config("[{lun: 0}]"), "targets[0].luns[0]", "'clone: NAME'");
        assertError(config("[{clone: ws01}, {clone: ws01, lun: 1}]"), "targets[0].luns[1].path", "is also served at");
        String noRoot = "targets: [{iqn: 'iqn.2026-11.org.example:t', luns: [{clone: ws01}]}]\ndata-root: nowhere\n";
        assertError(noRoot, "data-root", "does not exist");
    }

    @Test
    void lunsMappedInTheCatalogJoinTheirTarget() throws Exception {
        String iqn = "iqn.2026-11.org.example:t";
        volumes.mapLun(iqn, 4, new VolumeName("ws02"), null, 0);
        volumes.mapLun(iqn, -1, null, new VolumeName("gold"), 1);
        IcbdConfig c = loader.parse("data-root: data\nportals: [127.0.0.1:3260]\ntargets: [{iqn: '" + iqn + "', luns: [{lun: 1, clone: ws01}]}]\n", dir);
        List<LunConfig> luns = c.targets().get(0).luns();
        assertEquals(List.of(0L, 1L, 4L), luns.stream().map(LunConfig::lun).toList());
        assertTrue(luns.get(0).readOnly(), "the mapped version");
        assertEquals(volumes.cloneIdentity(new VolumeName("ws02")), luns.get(2).identity());

        // a target may get all its LUNs from the catalog
        IcbdConfig only = loader.parse("data-root: data\nportals: [127.0.0.1:3260]\ntargets: [{iqn: '" + iqn + "'}]\n", dir);
        assertEquals(2, only.targets().get(0).luns().size());
        assertError("data-root: data\nportals: [127.0.0.1:3260]\ntargets: [{iqn: '" + iqn + "', luns: [{lun: 4, clone: ws01}]}]\n",
                "targets[0].luns", "also mapped with 'icbd lun map'");
        assertError("data-root: data\nportals: [127.0.0.1:3260]\ntargets: [{iqn: 'iqn.2026-11.org.example:other'}]\n",
                "targets[0].luns", "icbd lun map --target iqn.2026-11.org.example:other");
    }

    @Test
    void aCloneInAClusterMayOverrideTheReplicationMode() throws Exception {
        Files.write(dir.resolve("secret"), new byte[32]);
        IcbdConfig c = loader.parse(inCluster("", "[{clone: ws01, replication: async}, {clone: ws02, lun: 1}]"), dir);
        assertEquals(false, c.targets().get(0).luns().get(0).syncReplication(), "ws01 says async");
        assertEquals(null, c.targets().get(0).luns().get(1).syncReplication(), "ws02 follows the cluster (sync)");
        IcbdConfig sync = loader.parse(inCluster(", mode: async", "[{clone: ws01, replication: sync}]"), dir);
        assertEquals(true, sync.targets().get(0).luns().get(0).syncReplication());

        assertError(inCluster("", "[{clone: ws01, replication: later}]"), "targets[0].luns[0].replication", "expected sync");
        assertError(inCluster("", "[{clone: ws01}, {version: gold@1, lun: 1, replication: sync}]"),
                "targets[0].luns[1].replication", "only a writable clone is replicated");
        assertError(config("[{clone: ws01, replication: sync}]"), "targets[0].luns[0].replication", "only applies in a cluster");
        assertError(inCluster(", mode: eventually", "[{clone: ws01}]"), "cluster.replication.mode", "expected sync");
    }

    /** Defect: a cluster node whose target got its clone from 'icbd lun map' only died with ArrayIndexOutOfBounds. */
    @Test
    void aClusterNodeServesAClonesMappedOntoATargetWithNoLunsOfItsOwn() throws Exception {
        Files.write(dir.resolve("secret"), new byte[32]);
        String iqn = "iqn.2026-11.org.example:t";
        volumes.mapLun(iqn, 2, new VolumeName("ws02"), null, 0);
        String cluster = "data-root: data\ncluster: {name: lab, node: a, zookeeper: 127.0.0.1:2181, virtual-ip: 10.0.0.100/24,"
                + " interface: eth0, replication: {listen: 127.0.0.1:3270, secret-file: secret}}\n";
        IcbdConfig only = loader.parse(cluster + "targets: [{iqn: '" + iqn + "', open: true}]\n", dir);
        assertEquals(volumes.cloneDisk(new VolumeName("ws02")), only.targets().get(0).luns().get(0).path());
        // mixed with a listed LUN numbered after it: the two are sorted, positions differ from entries
        IcbdConfig mixed = loader.parse(cluster + "targets: [{iqn: '" + iqn + "', open: true, luns: [{lun: 5, clone: ws01}]}]\n", dir);
        assertEquals(List.of(2L, 5L), mixed.targets().get(0).luns().stream().map(LunConfig::lun).toList());
        // without replication, a mapped writable clone is refused, naming the target and the map
        String noReplication = "data-root: data\ncluster: {name: lab, node: a, zookeeper: 127.0.0.1:2181,"
                + " virtual-ip: 10.0.0.100/24, interface: eth0}\ntargets: [{iqn: '" + iqn + "', open: true}]\n";
        assertError(noReplication, "targets[0] (LUN 2, mapped with 'icbd lun map')", "add cluster.replication");
    }

    @Test
    void divergedCopiesAreBoundedByCountAndAgeAndMistakesNameTheKey() throws Exception {
        Files.write(dir.resolve("secret"), new byte[32]);
        ClusterSettings.Diverged dflt = loader.parse(inCluster("", "[{clone: ws01}]"), dir).cluster().orElseThrow()
                .replication().orElseThrow().diverged();
        assertEquals(ClusterSettings.Diverged.DEFAULT, dflt);
        ClusterSettings.Diverged set = loader.parse(inCluster(", diverged-keep: 0, diverged-max-age: 2h", "[{clone: ws01}]"), dir)
                .cluster().orElseThrow().replication().orElseThrow().diverged();
        assertEquals(new ClusterSettings.Diverged(0, Duration.ofHours(2)), set);
        assertError(inCluster(", diverged-keep: -1", "[{clone: ws01}]"), "cluster.replication.diverged-keep", "must be 0 to 1000");
        assertError(inCluster(", diverged-keep: many", "[{clone: ws01}]"), "cluster.replication.diverged-keep", "whole number");
        assertError(inCluster(", diverged-max-age: 5s", "[{clone: ws01}]"), "cluster.replication.diverged-max-age", "at least");
        assertError(inCluster(", diverged-max-age: forever", "[{clone: ws01}]"), "cluster.replication.diverged-max-age", "duration");
    }

    /** A cluster node's configuration; {@code replication}: more keys of cluster.replication. */
    private static String inCluster(String replication, String luns) {
        return "data-root: data\ncluster: {name: lab, node: a, zookeeper: 127.0.0.1:2181, virtual-ip: 10.0.0.100/24,"
                + " interface: eth0, replication: {listen: 127.0.0.1:3270, secret-file: secret" + replication + "}}\n"
                + "targets: [{iqn: 'iqn.2026-11.org.example:t', open: true, luns: " + luns + "}]\n";
    }

    private String config(String luns) {
        return "data-root: data\nportals: [127.0.0.1:3260]\ntargets: [{iqn: 'iqn.2026-11.org.example:t', luns: " + luns + "}]\n";
    }

    private void assertError(String yaml, String key, String fragment) {
        ConfigException e = assertThrows(ConfigException.class, () -> loader.parse(yaml, dir));
        assertTrue(e.getMessage().startsWith(key + ":") || e.getMessage().startsWith(key + " "),
                () -> "expected key " + key + " in: " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
    }
}
