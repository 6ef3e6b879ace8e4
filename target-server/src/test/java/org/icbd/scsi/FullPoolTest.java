package org.icbd.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeMap;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.storage.BlockDevice;
import org.icbd.storage.FileBlockDevice;
import org.icbd.storage.LunIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A thin LUN on a pool that fills up (a small loop btrfs): the write that finds no space gets SPACE
 * ALLOCATION FAILED WRITE PROTECT, not a dead node or a MEDIUM ERROR; what was written before reads back.
 */
class FullPoolTest {

    private static final int MIB = 1 << 20;

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(256L * MIB);

    @Test
    void aWriteThatFindsThePoolFullIsRefusedAsSuch() throws Exception {
        Path image = btrfs.fs().root().resolve("thin.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(1024L * MIB); // four times the pool
        }
        try (BlockDevice dev = FileBlockDevice.open(image, false, 512, LunIdentity.fromVolumeKey("thin"), null)) {
            var luns = new TreeMap<Long, BlockDevice>();
            luns.put(0L, dev);
            LogicalUnitSet target = new LogicalUnitSet("iqn.2026-11.org.icbd:full", luns);
            byte[] data = new byte[MIB];
            Arrays.fill(data, (byte) 0x6b);
            ScsiResponse refused = null;
            long written = 0;
            for (long lba = 0; written < 1024L * MIB && refused == null; lba += MIB / 512) {
                ScsiResponse r = target.execute(new ScsiRequest(ScsiFixture.A, 0, ScsiFixture.pad(ScsiFixture.rw10(0x2A, lba, MIB / 512, 0)),
                        MIB, ByteBuffer.wrap(data), 1, TaskAttribute.SIMPLE));
                if (r.status() == ScsiResponse.GOOD) written += MIB;
                else refused = r;
            }
            assertNotNull(refused, "the pool should have filled up");
            assertEquals(ScsiResponse.CHECK_CONDITION, refused.status());
            assertEquals(Sense.SPACE_ALLOCATION_FAILED_WRITE_PROTECT, SenseData.decode(refused.sense()),
                    "after " + (written >> 20) + " MiB written");
            ScsiResponse read = target.execute(new ScsiRequest(ScsiFixture.A, 0, ScsiFixture.pad(ScsiFixture.rw10(0x28, 0, MIB / 512, 0)),
                    MIB, null, 2, TaskAttribute.SIMPLE));
            assertEquals(ScsiResponse.GOOD, read.status(), "the LUN still reads");
            byte[] back = new byte[MIB];
            read.dataIn().duplicate().get(back);
            assertArrayEquals(data, back, "what was written before is intact");
        }
    }
}
