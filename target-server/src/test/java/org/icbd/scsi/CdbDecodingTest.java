package org.icbd.scsi;

import static org.icbd.scsi.ScsiFixture.cdb;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CdbDecodingTest {

    @Test
    void read6ZeroLengthMeans256Blocks() {
        var rw = ReadWriteCdb.decode(cdb(0x08, 0x1F, 0xFF, 0xFE, 0x00, 0x00));
        assertEquals(0x1FFFFEL, rw.lba());
        assertEquals(256, rw.blocks());
        assertFalse(rw.fua());
    }

    @Test
    void read10FieldsAndFlags() {
        var rw = ReadWriteCdb.decode(cdb(0x28, 0x18, 0x12, 0x34, 0x56, 0x78, 0x00, 0x01, 0x02, 0x00));
        assertEquals(0x12345678L, rw.lba());
        assertEquals(0x0102, rw.blocks());
        assertTrue(rw.dpo());
        assertTrue(rw.fua());
        assertEquals(0, rw.protect());
    }

    @Test
    void read12And16UseTheirOwnLayouts() {
        var r12 = ReadWriteCdb.decode(cdb(0xA8, 0x60, 0, 0, 0, 9, 0, 1, 0, 0, 0, 0));
        assertEquals(9, r12.lba());
        assertEquals(65536, r12.blocks());
        assertEquals(3, r12.protect());
        var r16 = ReadWriteCdb.decode(cdb(0x88, 0x08, 0x01, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 7, 0, 0));
        assertEquals(0x0100000000000002L, r16.lba());
        assertEquals(7, r16.blocks());
        assertTrue(r16.fua());
    }

    @Test
    void unsignedLbaBeyondLongRangeIsOutOfRange() {
        var r16 = ReadWriteCdb.decode(cdb(0x88, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 0, 0));
        var f = assertThrows(CommandFailure.class, () -> r16.checkRange(100));
        assertEquals(Sense.LBA_OUT_OF_RANGE, SenseData.decode(f.sense()));
    }

    @Test
    void rangeCheckAllowsTheLastBlockAndZeroLengthAtTheEnd() {
        new ReadWriteCdb(99, 1, 0, false, false, 0).checkRange(100);
        new ReadWriteCdb(100, 0, 0, false, false, 0).checkRange(100);
        assertThrows(CommandFailure.class, () -> new ReadWriteCdb(100, 1, 0, false, false, 0).checkRange(100));
        assertThrows(CommandFailure.class, () -> new ReadWriteCdb(101, 0, 0, false, false, 0).checkRange(100));
    }

    @Test
    void fixedSenseLayout() {
        byte[] s = SenseData.withInformation(Sense.MISCOMPARE_DURING_VERIFY, 0x01020304);
        assertEquals(18, s.length);
        assertEquals((byte) 0xF0, s[0]);
        assertEquals(0x0E, s[2]);
        assertArrayEquals(new byte[]{1, 2, 3, 4}, Arrays.copyOfRange(s, 3, 7));
        assertEquals(10, s[7]);
        assertEquals(0x1D, s[12]);
        assertEquals(0x00, s[13]);
        byte[] p = SenseData.withFieldPointer(Sense.INVALID_FIELD_IN_CDB, true, 1, 4);
        assertEquals((byte) 0x70, p[0]);
        assertEquals((byte) (0x80 | 0x40 | 0x08 | 4), p[15]);
        assertEquals(0, p[16]);
        assertEquals(1, p[17]);
    }

    @Test
    void unmapParameterListParsing() {
        byte[] p = new byte[8 + 32];
        Cdb.put16(p, 0, 6 + 32);
        Cdb.put16(p, 2, 32);
        Cdb.put64(p, 8, 10);
        Cdb.put32(p, 16, 5);
        Cdb.put64(p, 24, 90);
        Cdb.put32(p, 32, 10);
        var extents = UnmapCommand.parse(p, 100);
        assertEquals(2, extents.length);
        assertEquals(new UnmapCommand.Extent(10, 5), extents[0]);
        assertEquals(new UnmapCommand.Extent(90, 10), extents[1]);
        Cdb.put32(p, 32, 11);
        var f = assertThrows(CommandFailure.class, () -> UnmapCommand.parse(p, 100));
        assertEquals(Sense.LBA_OUT_OF_RANGE, SenseData.decode(f.sense()));
        var g = assertThrows(CommandFailure.class, () -> UnmapCommand.parse(new byte[4], 100));
        assertEquals(Sense.PARAMETER_LIST_LENGTH_ERROR, SenseData.decode(g.sense()));
    }

    @Test
    void stripeMaskCoversTheRangeAndSaturates() {
        assertEquals(1L, RangeLock.stripeMask(0, 1));
        assertEquals(0b11L, RangeLock.stripeMask(2047, 2));
        assertEquals(-1L, RangeLock.stripeMask(0, 64L * 2048));
    }
}
