package org.icbd.scsi;

import static org.icbd.scsi.ScsiFixture.assertGood;
import static org.icbd.scsi.ScsiFixture.assertSense;
import static org.icbd.scsi.ScsiFixture.cdb;
import static org.icbd.scsi.ScsiFixture.data;
import static org.icbd.scsi.ScsiFixture.filled;
import static org.icbd.scsi.ScsiFixture.rw10;
import static org.icbd.scsi.ScsiFixture.rw16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BlockCommandsTest {

    @TempDir
    Path dir;
    ScsiFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new ScsiFixture(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private byte[] read(long lba, int blocks) {
        return data(f.exec(0, rw10(0x28, lba, blocks, 0)));
    }

    @Test
    void writeThenReadEveryCdbSize() {
        byte[] a = filled(512, 'a');
        assertGood(f.exec(0, cdb(0x0A, 0, 0, 5, 1, 0), a));
        assertArrayEquals(a, read(5, 1));
        byte[] b = filled(1024, 'b');
        var w = f.exec(0, rw10(0x2A, 6, 2, 0x08), b);
        assertGood(w);
        assertEquals(1024, w.transferLength());
        assertArrayEquals(b, read(6, 2));
        byte[] c12 = cdb(0xAA, 0, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0);
        assertGood(f.exec(0, c12, filled(512, 'c')));
        assertArrayEquals(filled(512, 'c'), data(f.exec(0, cdb(0xA8, 0, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0))));
        assertGood(f.exec(0, rw16(0x8A, ScsiFixture.BLOCKS - 1, 1, 0x18), filled(512, 'd')));
        assertArrayEquals(filled(512, 'd'), data(f.exec(0, rw16(0x88, ScsiFixture.BLOCKS - 1, 1, 0))));
    }

    private static byte[] writeAtomic16(long lba, int blocks, int flags, int boundary) {
        byte[] c = rw16(0x9C, lba, 0, flags);
        c[10] = (byte) (boundary >>> 8);
        c[11] = (byte) boundary;
        c[12] = (byte) (blocks >>> 8);
        c[13] = (byte) blocks;
        return c;
    }

    @Test
    void writeAtomicWritesAllOrNothing() {
        assertGood(f.exec(0, writeAtomic16(10, 2, 0x08, 0), filled(1024, 'q')));
        assertArrayEquals(filled(1024, 'q'), read(10, 2));
        // a short Data-Out writes nothing at all
        var shortOut = f.exec(0, writeAtomic16(10, 2, 0, 0), filled(512, 'r'));
        assertSense(shortOut, Sense.INVALID_FIELD_IN_IU);
        assertArrayEquals(filled(1024, 'q'), read(10, 2));
        assertGood(f.exec(0, writeAtomic16(ScsiFixture.BLOCKS - 1, 1, 0, 0), filled(512, 's')));
        assertSense(f.exec(0, writeAtomic16(ScsiFixture.BLOCKS - 1, 2, 0, 0), filled(1024, 's')), Sense.LBA_OUT_OF_RANGE);
        assertGood(f.exec(0, writeAtomic16(0, 0, 0, 0), new byte[0]));
        assertSense(f.exec(0, writeAtomic16(0, 1, 0x20, 0), filled(512, 't')), Sense.INVALID_FIELD_IN_CDB);
        assertSense(f.exec(0, writeAtomic16(0, 1, 0, 1), filled(512, 't')), Sense.INVALID_FIELD_IN_CDB);
        assertSense(f.exec(3, writeAtomic16(0, 1, 0, 0), filled(512, 't')), Sense.WRITE_PROTECTED);
        int max = WriteAtomicCommand.maxAtomicBlocks(512, InquiryCommand.DEFAULT_MAX_TRANSFER_BYTES);
        byte[] limits = data(f.exec(0, cdb(0x12, 1, 0xB0, 0, 64, 0)));
        assertEquals(max, Cdb.u32(limits, 44), "MAXIMUM ATOMIC TRANSFER LENGTH");
        assertTrue(Cdb.u32(limits, 44) <= Cdb.u32(limits, 8), "atomic maximum within the transfer maximum");
    }

    @Test
    void readDefectDataReportsEmptyListsInTheAskedFormat() {
        byte[] d10 = data(f.exec(0, cdb(0x37, 0, 0x1D, 0, 0, 0, 0, 0, 32, 0)));
        assertArrayEquals(new byte[]{0, 0x1D, 0, 0}, d10);
        byte[] d12 = data(f.exec(0, cdb(0xB7, 0x0C, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0)));
        assertArrayEquals(new byte[]{0, 0x0C, 0, 0, 0, 0, 0, 0}, d12);
        assertEquals(2, data(f.exec(0, cdb(0x37, 0, 0x18, 0, 0, 0, 0, 0, 2, 0))).length, "allocation length truncates");
    }

    @Test
    void transferLimitIsReportedAndEnforced() {
        var small = new LogicalUnitSet(ScsiFixture.TARGET, new TreeMap<>(Map.of(0L, f.rw)), 64 << 10);
        var req = new ScsiRequest(ScsiFixture.A, 0, ScsiFixture.pad(cdb(0x12, 1, 0xB0, 0, 64, 0)), 64, null, 1, TaskAttribute.SIMPLE);
        byte[] bl = data(small.execute(req));
        assertEquals(128, Cdb.u32(bl, 8), "maximum transfer length in blocks");
        var big = new ScsiRequest(ScsiFixture.A, 0, ScsiFixture.pad(rw10(0x28, 0, 129, 0)), 129 * 512, null, 1, TaskAttribute.SIMPLE);
        var r = small.execute(big);
        assertSense(r, Sense.INVALID_FIELD_IN_CDB);
        assertEquals(7, Cdb.u16(r.sense(), 16), "points at TRANSFER LENGTH");
        var ok = new ScsiRequest(ScsiFixture.A, 0, ScsiFixture.pad(rw10(0x28, 0, 128, 0)), 128 * 512, null, 1, TaskAttribute.SIMPLE);
        assertEquals(128 * 512, data(small.execute(ok)).length);
    }

    @Test
    void unmapIsUnknownOnAThickWritableLun(@TempDir Path other) throws Exception {
        try (var thick = new ScsiFixture(other, false)) {
            assertSense(thick.exec(0, cdb(0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0), new byte[24]), Sense.INVALID_OPCODE);
            byte[] rc16 = data(thick.exec(0, cdb(0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0)));
            assertEquals(0, rc16[14] & 0x80, "no LBPME");
            assertSense(thick.exec(0, cdb(0x41, 0x08, 0, 0, 0, 0, 0, 0, 1, 0), new byte[512]), Sense.INVALID_FIELD_IN_CDB);
            assertGood(thick.exec(0, cdb(0x41, 0x00, 0, 0, 0, 0, 0, 0, 1, 0), new byte[512]));
        }
    }

    @Test
    void read6ZeroMeans256Blocks() {
        var r = f.exec(0, cdb(0x08, 0, 0, 0, 0, 0));
        assertEquals(256 * 512, data(r).length);
        assertEquals(256 * 512, r.transferLength());
    }

    @Test
    void zeroLengthReadAndWriteAreNoOps() {
        var r = f.exec(0, rw10(0x28, 0, 0, 0));
        assertGood(r);
        assertNull(r.dataIn());
        assertGood(f.exec(0, rw10(0x2A, 0, 0, 0), null));
    }

    @Test
    void readIsNotTruncatedToTheExpectedLength() {
        var r = f.exec(ScsiFixture.A, 0, rw10(0x28, 0, 2, 0), null, 200);
        assertEquals(1024, data(r).length);
        assertEquals(1024, r.transferLength());
    }

    @Test
    void outOfRange() {
        assertSense(f.exec(0, rw10(0x28, ScsiFixture.BLOCKS, 1, 0)), Sense.LBA_OUT_OF_RANGE);
        assertSense(f.exec(0, rw10(0x28, ScsiFixture.BLOCKS - 1, 2, 0)), Sense.LBA_OUT_OF_RANGE);
        assertSense(f.exec(0, rw16(0x88, -1L, 1, 0)), Sense.LBA_OUT_OF_RANGE);
        assertSense(f.exec(0, rw10(0x2A, ScsiFixture.BLOCKS + 1, 0, 0), null), Sense.LBA_OUT_OF_RANGE);
    }

    /** Every command whose CDB names blocks, by opcode: the dispatcher checks their range once for all of them. */
    static Stream<Arguments> blockCommands() {
        CommandTable table = CommandTable.standard();
        return IntStream.of(0x08, 0x0A, 0x28, 0x2A, 0x2E, 0x2F, 0x34, 0x35, 0x41, 0x88, 0x89, 0x8A, 0x8B, 0x8E, 0x8F, 0x90,
                        0x91, 0x93, 0x9C, 0xA8, 0xAA, 0xAE, 0xAF)
                .mapToObj(op -> table.find(op, -1, null))
                .map(d -> Arguments.of(Named.of(d.name(), d)));
    }

    @ParameterizedTest
    @MethodSource("blockCommands")
    void blocksPastTheEndAreLbaOutOfRangeAndNothingIsWritten(CommandDescriptor d) {
        assertTrue(d.blocks() != CommandDescriptor.BlockAccess.NONE, d.name() + " is dispatched as a block command");
        byte[] before = read(ScsiFixture.BLOCKS - 1, 1);
        // the first block past the end, then a length that runs one block past it
        for (long[] range : new long[][]{{ScsiFixture.BLOCKS, 1}, {ScsiFixture.BLOCKS - 1, 2}}) {
            byte[] cdb = blockCdb(d, range[0], (int) range[1]);
            assertSense(f.exec(0, cdb, dataOut(d, (int) range[1])), Sense.LBA_OUT_OF_RANGE);
        }
        assertArrayEquals(before, read(ScsiFixture.BLOCKS - 1, 1), "the last block is unchanged");
        assertGood(f.exec(0, blockCdb(d, ScsiFixture.BLOCKS - 1, 1), dataOut(d, 1)));
    }

    /** A CDB in the command's own layout (6, 10, 12 or 16 bytes; WRITE ATOMIC and COMPARE AND WRITE have their own). */
    private static byte[] blockCdb(CommandDescriptor d, long lba, int blocks) {
        byte[] c = new byte[d.cdbLength()];
        c[0] = (byte) d.opcode();
        switch (d.opcode() >>> 5) {
            case 0 -> {
                c[1] = (byte) ((lba >>> 16) & 0x1F);
                Cdb.put16(c, 2, (int) lba);
                c[4] = (byte) blocks;
            }
            case 1, 2 -> {
                Cdb.put32(c, 2, lba);
                Cdb.put16(c, 7, blocks);
            }
            case 5 -> {
                Cdb.put32(c, 2, lba);
                Cdb.put32(c, 6, blocks);
            }
            default -> {
                Cdb.put64(c, 2, lba);
                if (d.opcode() == 0x9C) Cdb.put16(c, 12, blocks);
                else if (d.opcode() == 0x89) c[13] = (byte) blocks;
                else Cdb.put32(c, 10, blocks);
            }
        }
        return c;
    }

    /** The Data-Out the command needs for {@code blocks} blocks, so only the range can be wrong. */
    private static byte[] dataOut(CommandDescriptor d, int blocks) {
        if (d.blocks() != CommandDescriptor.BlockAccess.WRITES) return null;
        return switch (d.opcode()) {
            case 0x41, 0x93 -> filled(512, 'x');
            case 0x89 -> new byte[2 * 512 * blocks]; // compare zeros (what the block holds), then write zeros
            default -> filled(512 * blocks, 'x');
        };
    }

    @Test
    void protectionFieldsAreRefused() {
        assertSense(f.exec(0, rw10(0x28, 0, 1, 0x20)), Sense.INVALID_FIELD_IN_CDB);
        assertSense(f.exec(0, rw10(0x2A, 0, 1, 0x20), filled(512, 1)), Sense.INVALID_FIELD_IN_CDB);
    }

    @Test
    void writeToReadOnlyLunIsDataProtect() {
        assertSense(f.exec(3, rw10(0x2A, 0, 1, 0), filled(512, 1)), Sense.WRITE_PROTECTED);
        assertSense(f.exec(3, cdb(0x41, 0, 0, 0, 0, 0, 0, 0, 1, 0), filled(512, 0)), Sense.WRITE_PROTECTED);
        assertGood(f.exec(3, rw10(0x28, 0, 1, 0)));
    }

    @Test
    void shortDataOutWritesTheWholeBlocksSentAndKeepsTheCdbLength() {
        assertGood(f.exec(0, rw10(0x2A, 0, 2, 0), filled(1024, 'a')));
        var r = f.exec(ScsiFixture.A, 0, rw10(0x2A, 0, 2, 0), filled(512, 'b'), 512);
        assertGood(r);
        assertEquals(1024, r.transferLength(), "the transport reports 512 bytes of overflow");
        byte[] d = read(0, 2);
        assertArrayEquals(filled(512, 'b'), Arrays.copyOfRange(d, 0, 512));
        assertArrayEquals(filled(512, 'a'), Arrays.copyOfRange(d, 512, 1024));
        var none = f.exec(ScsiFixture.A, 0, rw10(0x2A, 0, 1, 0), null, 0);
        assertGood(none);
        assertEquals(512, none.transferLength());
        assertArrayEquals(filled(512, 'b'), read(0, 1));
    }

    @Test
    void partialBlockDataOutWritesOnlyTheBytesSent() {
        assertGood(f.exec(0, rw10(0x2A, 0, 1, 0), filled(512, 'a')));
        var r = f.exec(ScsiFixture.A, 0, rw10(0x2A, 0, 1, 0), filled(200, 'b'), 200);
        assertGood(r);
        assertEquals(512, r.transferLength());
        byte[] d = read(0, 1);
        assertArrayEquals(filled(200, 'b'), Arrays.copyOfRange(d, 0, 200));
        assertArrayEquals(filled(312, 'a'), Arrays.copyOfRange(d, 200, 512));
    }

    @Test
    void longerDataOutWritesOnlyWhatTheCdbSays() {
        assertGood(f.exec(0, rw10(0x2A, 0, 2, 0), filled(1024, 'a')));
        var r = f.exec(ScsiFixture.A, 0, rw10(0x2A, 0, 1, 0), filled(1024, 'b'), 1024);
        assertGood(r);
        assertEquals(512, r.transferLength());
        byte[] d = read(0, 2);
        assertArrayEquals(filled(512, 'b'), Arrays.copyOfRange(d, 0, 512));
        assertArrayEquals(filled(512, 'a'), Arrays.copyOfRange(d, 512, 1024));
    }

    @Test
    void unsupportedOpcodeAndMissingLun() {
        assertSense(f.exec(0, cdb(0xC7)), Sense.INVALID_OPCODE);
        assertSense(f.exec(9, rw10(0x28, 0, 1, 0)), Sense.LUN_NOT_SUPPORTED);
        // a read-only LUN refuses UNMAP as write protected
        assertSense(f.exec(3, cdb(0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0), new byte[24]), Sense.WRITE_PROTECTED);
    }

    @Test
    void readCapacity() {
        byte[] rc10 = data(f.exec(0, cdb(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
        assertEquals(ScsiFixture.BLOCKS - 1, Cdb.u32(rc10, 0));
        assertEquals(512, Cdb.u32(rc10, 4));
        byte[] rc16 = data(f.exec(0, cdb(0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0)));
        assertEquals(32, rc16.length);
        assertEquals(ScsiFixture.BLOCKS - 1, Cdb.u64(rc16, 0));
        assertEquals(0xC0, rc16[14] & 0xC0, "LBPME, LBPRZ on a thin LUN");
        assertEquals(3, rc16[13] & 0x0F, "8 logical blocks of 512 bytes per 4 KiB physical block");
        assertEquals(0, rc16[14] & 0x3F, "lowest aligned LBA is 0");
        byte[] ro16 = data(f.exec(3, cdb(0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0)));
        assertEquals(0, ro16[14] & 0x80);
        assertSense(f.exec(0, cdb(0x9E, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0)), Sense.INVALID_FIELD_IN_CDB);
    }

    @Test
    void synchronizeCacheAndPrefetch() {
        assertGood(f.exec(0, cdb(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
        assertGood(f.exec(0, rw16(0x91, 0, 0, 0)));
        assertSense(f.exec(0, rw10(0x35, ScsiFixture.BLOCKS + 1, 0, 0)), Sense.LBA_OUT_OF_RANGE);
        assertGood(f.exec(0, rw10(0x34, 0, 1, 0x02)));
        assertSense(f.exec(0, rw16(0x90, ScsiFixture.BLOCKS, 1, 0)), Sense.LBA_OUT_OF_RANGE);
    }

    @Test
    void verifyComparesAndReportsTheOffset() {
        byte[] a = filled(1024, 'a');
        assertGood(f.exec(0, rw10(0x2A, 10, 2, 0), a));
        assertGood(f.exec(0, rw10(0x2F, 10, 2, 0x02), a));
        byte[] b = a.clone();
        b[700] = 'x';
        var r = f.exec(0, rw10(0x2F, 10, 2, 0x02), b);
        assertSense(r, Sense.MISCOMPARE_DURING_VERIFY);
        assertEquals(0x80, r.sense()[0] & 0x80, "INFORMATION valid");
        assertEquals(700, Cdb.u32(r.sense(), 3));
        // BYTCHK 3: one block compared against each
        assertGood(f.exec(0, rw10(0x2F, 10, 2, 0x06), filled(512, 'a')));
        assertSense(f.exec(0, rw10(0x2F, 10, 2, 0x04), a), Sense.INVALID_FIELD_IN_CDB);
        assertGood(f.exec(0, rw10(0x2F, 10, 2, 0), null));
    }

    @Test
    void writeAndVerify() {
        assertGood(f.exec(0, rw10(0x2E, 3, 1, 0x02), filled(512, 'v')));
        assertArrayEquals(filled(512, 'v'), read(3, 1));
    }

    @Test
    void writeSameWritesAndUnmaps() {
        byte[] c = cdb(0x41, 0, 0, 0, 0, 20, 0, 0, 3, 0);
        assertGood(f.exec(0, c, filled(512, 'w')));
        assertArrayEquals(filled(1536, 'w'), read(20, 3));
        c[1] = 0x08;
        assertGood(f.exec(0, c, filled(512, 0)));
        assertArrayEquals(new byte[1536], read(20, 3));
        assertSense(f.exec(0, cdb(0x41, 0, 0, 0, 0, 20, 0, 0, 0, 0), filled(512, 0)), Sense.INVALID_FIELD_IN_CDB);
        assertSense(f.exec(0, cdb(0x41, 0, 0, 0, 0, 20, 0, 0, 1, 0), filled(1024, 0)), Sense.INVALID_FIELD_IN_IU);
        byte[] ws16 = rw16(0x93, ScsiFixture.BLOCKS - 2, 2, 0);
        assertGood(f.exec(0, ws16, filled(512, 'z')));
        assertArrayEquals(filled(1024, 'z'), read(ScsiFixture.BLOCKS - 2, 2));
    }

    @Test
    void unmapZeroesTheRange() {
        assertGood(f.exec(0, rw10(0x2A, 0, 4, 0), filled(2048, 'u')));
        byte[] p = new byte[24];
        Cdb.put16(p, 0, 22);
        Cdb.put16(p, 2, 16);
        Cdb.put64(p, 8, 1);
        Cdb.put32(p, 16, 2);
        var r = f.exec(0, cdb(0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0), p);
        assertGood(r);
        byte[] d = read(0, 4);
        assertArrayEquals(filled(512, 'u'), Arrays.copyOfRange(d, 0, 512));
        assertArrayEquals(new byte[1024], Arrays.copyOfRange(d, 512, 1536));
        assertArrayEquals(filled(512, 'u'), Arrays.copyOfRange(d, 1536, 2048));
        Cdb.put64(p, 8, ScsiFixture.BLOCKS);
        assertSense(f.exec(0, cdb(0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0), p), Sense.LBA_OUT_OF_RANGE);
    }

    @Test
    void compareAndWrite() {
        assertGood(f.exec(0, rw10(0x2A, 7, 1, 0), filled(512, 'A')));
        byte[] caw = rw16(0x89, 7, 0, 0);
        caw[13] = 1;
        byte[] payload = new byte[1024];
        Arrays.fill(payload, 0, 512, (byte) 'A');
        Arrays.fill(payload, 512, 1024, (byte) 'B');
        assertGood(f.exec(0, caw, payload));
        assertArrayEquals(filled(512, 'B'), read(7, 1));
        var r = f.exec(0, caw, payload);
        assertSense(r, Sense.MISCOMPARE_DURING_VERIFY);
        assertEquals(0, Cdb.u32(r.sense(), 3), "first byte differs");
        payload[0] = 'B';
        payload[1] = 'B';
        payload[2] = 'B';
        r = f.exec(0, caw, payload);
        assertSense(r, Sense.MISCOMPARE_DURING_VERIFY);
        assertEquals(3, Cdb.u32(r.sense(), 3));
        assertSense(f.exec(0, caw, new byte[2048]), Sense.INVALID_FIELD_IN_CDB);
        // a block count of 0 with data attached (256 wrapped in the one-byte field) is refused
        caw[13] = 0;
        assertSense(f.exec(0, caw, new byte[1024]), Sense.INVALID_FIELD_IN_CDB);
        assertGood(f.exec(0, caw, null));
    }

    @Test
    void compareAndWriteIsAtomicAgainstConcurrentSwaps() throws Exception {
        // every thread increments a counter in block 0 with CAS semantics; lost updates would show
        assertGood(f.exec(0, rw10(0x2A, 0, 1, 0), new byte[512]));
        int threads = 8, increments = 50;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                pool.submit(() -> {
                    for (int i = 0; i < increments; ) {
                        byte[] cur = data(f.exec(0, rw10(0x28, 0, 1, 0)));
                        byte[] payload = new byte[1024];
                        System.arraycopy(cur, 0, payload, 0, 512);
                        Cdb.put32(payload, 512, Cdb.u32(cur, 0) + 1);
                        byte[] caw = rw16(0x89, 0, 0, 0);
                        caw[13] = 1;
                        if (f.exec(0, caw, payload).status() == ScsiResponse.GOOD) i++;
                        // a plain write elsewhere in the same stripe must not disturb the swap
                        f.exec(0, rw10(0x2A, 1, 1, 0), filled(512, 7));
                    }
                    return null;
                });
            }
        }
        assertEquals((long) threads * increments, Cdb.u32(read(0, 1), 0));
    }

    @Test
    void orWrite() {
        assertGood(f.exec(0, rw10(0x2A, 9, 1, 0), filled(512, 0x0F)));
        assertGood(f.exec(0, rw16(0x8B, 9, 1, 0), filled(512, 0xF0)));
        assertArrayEquals(filled(512, 0xFF), read(9, 1));
    }

    @Test
    void getLbaStatus() {
        byte[] c = rw16(0x9E, 5, 24, 0);
        c[1] = 0x12;
        byte[] d = data(f.exec(0, c));
        assertEquals(20, Cdb.u32(d, 0));
        assertEquals(5, Cdb.u64(d, 8));
        assertEquals(ScsiFixture.BLOCKS - 5, Cdb.u32(d, 16));
        byte[] beyond = rw16(0x9E, ScsiFixture.BLOCKS, 24, 0);
        beyond[1] = 0x12;
        assertSense(f.exec(0, beyond), Sense.LBA_OUT_OF_RANGE);
    }
}
