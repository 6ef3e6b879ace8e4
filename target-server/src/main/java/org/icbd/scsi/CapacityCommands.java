package org.icbd.scsi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/** READ CAPACITY(10/16) and GET LBA STATUS. */
final class CapacityCommands {
    /** Descriptors per answer; initiators walk the LUN with repeated commands anyway. */
    private static final int MAX_LBA_STATUS_DESCRIPTORS = 64;

    private CapacityCommands() {
    }

    static ScsiResponse readCapacity10(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        Cdb.requireLength(cdb, 10);
        boolean pmi = (cdb[8] & 0x01) != 0;
        if (!pmi && Cdb.u32(cdb, 2) != 0) throw CommandFailure.invalidCdbField(2, -1);
        LogicalUnit lu = ctx.unit();
        byte[] b = new byte[8];
        long last = lu.blockCount() - 1;
        // SBC-3: a capacity that does not fit says 0xFFFFFFFF and the initiator moves to READ CAPACITY(16)
        Cdb.put32(b, 0, Math.min(last, 0xFFFFFFFFL));
        Cdb.put32(b, 4, lu.blockSize());
        return ScsiResponse.good(ByteBuffer.wrap(b));
    }

    static ScsiResponse readCapacity16(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        Cdb.requireLength(cdb, 16);
        LogicalUnit lu = ctx.unit();
        byte[] b = new byte[32];
        Cdb.put64(b, 0, lu.blockCount() - 1);
        Cdb.put32(b, 8, lu.blockSize());
        // images live on file systems with 4 KiB pages and extents: say so (LBPPBE), so initiators
        // align partitions and I/O to 4 KiB and a 512-byte write never costs a read-modify-write
        b[13] = (byte) Integer.numberOfTrailingZeros(Math.max(1, 4096 / lu.blockSize()));
        if (lu.device().supportsUnmap()) b[14] = (byte) 0xC0; // LBPME, LBPRZ
        return Responses.parameterData(b, Cdb.u32(cdb, 10));
    }

    /**
     * GET LBA STATUS: runs of mapped and deallocated blocks from the LBA on, as the storage reports
     * them (FIEMAP on thin image files; everything mapped otherwise).
     */
    static ScsiResponse getLbaStatus(CommandContext ctx) throws IOException {
        byte[] cdb = ctx.cdb();
        Cdb.requireLength(cdb, 16);
        LogicalUnit lu = ctx.unit();
        long lba = Cdb.u64(cdb, 2);
        long alloc = Cdb.u32(cdb, 10);
        if (lba < 0 || lba >= lu.blockCount()) throw CommandFailure.check(Sense.LBA_OUT_OF_RANGE);
        int bs = lu.blockSize();
        int wanted = (int) Math.max(1, Math.min(MAX_LBA_STATUS_DESCRIPTORS, (alloc - 8) / 16));
        ByteArrayOutputStream descriptors = new ByteArrayOutputStream();
        long at = lba;
        for (int n = 0; n < wanted && at < lu.blockCount(); n++) {
            long blocks = Math.min(lu.blockCount() - at, 0xFFFFFFFFL);
            var run = lu.device().allocation(at * bs, blocks * bs);
            byte[] d = new byte[16];
            Cdb.put64(d, 0, at);
            Cdb.put32(d, 8, run.length() / bs);
            d[12] = (byte) (run.mapped() ? 0 : 1); // 0 mapped, 1 deallocated
            descriptors.writeBytes(d);
            at += run.length() / bs;
        }
        byte[] b = new byte[8 + descriptors.size()];
        Cdb.put32(b, 0, b.length - 4);
        System.arraycopy(descriptors.toByteArray(), 0, b, 8, descriptors.size());
        return Responses.parameterData(b, alloc);
    }
}
