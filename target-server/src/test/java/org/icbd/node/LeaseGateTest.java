package org.icbd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.icbd.failover.ServingLease;
import org.icbd.iscsi.ExportedTarget;
import org.icbd.iscsi.TargetRegistry;
import org.icbd.scsi.LogicalUnitSet;
import org.icbd.scsi.Nexus;
import org.icbd.scsi.ScsiRequest;
import org.icbd.scsi.ScsiResponse;
import org.icbd.scsi.TaskAttribute;
import org.icbd.storage.BlockDevice;
import org.icbd.storage.FileBlockDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A leader's LUNs through its lease: a command runs only while the lease holds. */
class LeaseGateTest {

    private static final String IQN = "iqn.2026-11.org.icbd:leased";

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ServingLease lease = new ServingLease(Duration.ofMillis(1500), now::get);

    @Test
    void aWriteRunsWhileTheLeaseHoldsAndNeverAfterItEnded() throws Exception {
        Path img = dir.resolve("disk.img");
        try (FileChannel f = FileChannel.open(img, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.allocate(1), (1 << 20) - 1);
        }
        try (BlockDevice device = FileBlockDevice.open(img, false)) {
            SortedMap<Long, BlockDevice> luns = new TreeMap<>();
            luns.put(0L, device);
            ExportedTarget t = new ExportedTarget(IQN, "", new LogicalUnitSet(IQN, luns), Optional.empty(), Optional.empty(), List.of());
            TargetRegistry registry = new TargetRegistry() {
                @Override
                public Optional<ExportedTarget> find(String iqn) {
                    return iqn.equals(IQN) ? Optional.of(t) : Optional.empty();
                }

                @Override
                public List<ExportedTarget> all() {
                    return List.of(t);
                }
            };
            LeaseGate gate = new LeaseGate(lease);
            ExportedTarget seen = gate.guard(registry).find(IQN).orElseThrow();

            assertFalse(gate.mayAnswer(), "no lease granted yet");
            lease.grant(1, now.get());
            assertEquals(ScsiResponse.GOOD, seen.scsi().execute(write(0, (byte) 0x11)).status());
            assertEquals(0x11, Files.readAllBytes(img)[0]);

            now.addAndGet(Duration.ofSeconds(10).toNanos()); // a pause: the lease ran out
            lease.revoke(); // and its keeper saw so
            assertFalse(gate.mayAnswer());
            assertEquals(ScsiResponse.BUSY, seen.scsi().execute(write(0, (byte) 0x22)).status());
            assertEquals(0x11, Files.readAllBytes(img)[0], "a command after the lease ended never touches the disk");
        }
    }

    /** WRITE(10) of one 512-byte block of {@code fill} at {@code lba}. */
    private static ScsiRequest write(int lba, byte fill) {
        byte[] cdb = new byte[16];
        cdb[0] = 0x2A;
        ByteBuffer.wrap(cdb).putInt(2, lba);
        cdb[8] = 1;
        byte[] data = new byte[512];
        Arrays.fill(data, fill);
        return new ScsiRequest(new Nexus("iqn.2026-11.org.example:client", "400000000001", IQN, 1), 0, cdb, 512,
                ByteBuffer.wrap(data), 1, TaskAttribute.SIMPLE);
    }
}
