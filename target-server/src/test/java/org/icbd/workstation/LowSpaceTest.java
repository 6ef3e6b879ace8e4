package org.icbd.workstation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.config.StaticTargetRegistry;
import org.icbd.config.Subnet;
import org.icbd.config.WorkstationSettings;
import org.icbd.node.LunStack;
import org.icbd.node.ServedClones;
import org.icbd.volume.CatalogState;
import org.icbd.volume.DiskMode;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeLayout;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small loop btrfs filled up by a reset-on-boot workstation's writes: below {@code min-free-mib} the
 * boot endpoint enrols nobody (a clear script on the screen), the workstation itself still boots (its
 * reset is not refused: it is what gives the space back), the space its writes took comes back after
 * that reset, and each crossing of the threshold is logged once and counted.
 */
class LowSpaceTest {

    private static final int MIB = 1 << 20;
    private static final int WRITTEN_MIB = 160;
    private static final InetAddress LAN = ip("10.0.0.5");
    private static final InetSocketAddress ENDPOINT = new InetSocketAddress("10.0.0.1", 8080);

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(512L * MIB);

    @TempDir
    Path tmp;

    @Test
    void writesOfAResetOnBootDiskAreReclaimedAndNewWorkstationsWaitForSpace() throws Exception {
        Path root = btrfs.fs().root().resolve("icbd");
        VolumeManager volumes = VolumeManager.open(root);
        Path source = tmp.resolve("gold.img");
        try (RandomAccessFile f = new RandomAccessFile(source.toFile(), "rw")) {
            f.write(new byte[MIB]);
            f.setLength(256L * MIB); // room for the workstation's writes inside its disk
        }
        volumes.importImage(new VolumeName("gold"), source, done -> { });
        volumes.publish(new VolumeName("gold"));
        Workstations workstations = new Workstations(volumes);
        CatalogState.Workstation lab = workstations.add(new VolumeName("lab01"), List.of(MacAddress.parse("52:54:00:00:00:01")),
                VersionSpec.parseOrNewest("gold"), DiskMode.RESET_ON_BOOT, Workstations.DEFAULT_IQN_PREFIX);
        PoolSpace.commit(root);
        long before = PoolSpace.free(root);

        // the threshold sits between what is free now and what is free once the workstation has written
        long threshold = before - (WRITTEN_MIB / 2L) * MIB;
        var meters = new SimpleMeterRegistry();
        try (CrossingLog logged = new CrossingLog(); MinFreeSpace space = new MinFreeSpace(root, threshold, meters, null)) {
            var enrol = new WorkstationSettings.Enrolment("gold", 0, DiskMode.RESET_ON_BOOT, "pc-{mac}");
            var settings = new WorkstationSettings(Optional.empty(), List.of(Subnet.parse("10.0.0.0/24")), Optional.empty(),
                    Workstations.DEFAULT_IQN_PREFIX, Optional.of(enrol), threshold);
            StaticTargetRegistry none = StaticTargetRegistry.open(List.of(), Optional.empty(), MIB, LunStack.files());
            var targets = new WorkstationTargets(none, new ServedClones(volumes, LunStack.files()), MIB);
            var boot = new BootService(workstations, targets, settings, local -> local, space);
            assertEquals(before, space.free(), 2L * MIB);
            assertEquals(0.0, crossings(meters, "below"));

            PoolSpace.fill(VolumeLayout.disk(volumes.layout().clone(new VolumeName(lab.clone()))), 8, WRITTEN_MIB);
            PoolSpace.commit(root);
            long full = PoolSpace.free(root);
            System.out.printf("free: %d MiB before, %d MiB after %d MiB of writes (threshold %d MiB)%n", before >> 20, full >> 20,
                    WRITTEN_MIB, threshold >> 20);
            assertTrue(full < threshold, "the writes took the pool below the threshold: " + (full >> 20) + " MiB free");

            BootService.Answer refused = boot.boot("52:54:00:00:00:02", LAN, ENDPOINT);
            assertEquals(507, refused.status(), "refused for space, not a failure");
            assertTrue(refused.script().contains("short of space") && refused.script().contains("MiB needed to enrol a workstation")
                    && !refused.script().contains("sanboot"), refused.script());
            assertTrue(volumes.state().workstationWithMac("52:54:00:00:00:02").isEmpty(), "nobody was enrolled");
            space.free();
            space.free();
            assertEquals(1.0, crossings(meters, "below"), "the crossing is counted once however often it is looked at");
            assertEquals(1, logged.lines("below workstations.min-free-mib"), "and logged once");

            long t0 = System.nanoTime();
            BootService.Answer booted = boot.boot("52:54:00:00:00:01", LAN, ENDPOINT);
            assertEquals(200, booted.status(), "a reset-on-boot workstation boots below the threshold: " + booted.script());
            assertTrue(booted.script().contains("sanboot"), booted.script());
            // btrfs gives a deleted subvolume's extents back in the background, after the next commit
            long reclaimed;
            long deadline = System.nanoTime() + 120_000_000_000L;
            do {
                Thread.sleep(200);
                reclaimed = PoolSpace.free(root);
            } while (reclaimed < threshold && System.nanoTime() < deadline);
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(reclaimed > before - 16L * MIB, "the writes' space came back: " + (reclaimed >> 20) + " of " + (before >> 20) + " MiB");
            // left to itself btrfs gives it back after two periodic commits (31 to 32 s here); the node asks for it at once
            assertTrue(tookMs < 20_000, "the space came back in " + tookMs + " ms");
            System.out.printf("free after the reset-on-boot: %d MiB, %d ms after the boot request%n", reclaimed >> 20, tookMs);
            space.free();
            assertEquals(1.0, crossings(meters, "above"));
            assertEquals(1, logged.lines("free again"));

            BootService.Answer enrolled = boot.boot("52:54:00:00:00:02", LAN, ENDPOINT);
            assertEquals(200, enrolled.status(), "with space back, an unknown MAC is enrolled again: " + enrolled.script());
            assertTrue(volumes.state().workstationWithMac("52:54:00:00:00:02").isPresent());
            assertEquals(0.0, meters.get("icbd_data_root_below_min_free").gauge().value(), "not below any more");
            assertTrue(meters.get("icbd_data_root_free_bytes").gauge().value() > threshold);
            targets.close();
        }
    }

    private static double crossings(SimpleMeterRegistry meters, String direction) {
        return meters.get("icbd_data_root_min_free_crossings_total").tag("direction", direction).counter().count();
    }

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
