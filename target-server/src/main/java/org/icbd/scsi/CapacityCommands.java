package org.icbd.scsi;

/** READ CAPACITY(10/16) and GET LBA STATUS. */
final class CapacityCommands {

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
        return ScsiResponse.good(java.nio.ByteBuffer.wrap(b));
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
     * Reports everything from the LBA to the end as mapped. Without an extent map from the
     * storage layer we cannot tell holes apart, and "mapped" is the answer that never makes an
     * initiator skip data it needs.
     */
    static ScsiResponse getLbaStatus(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        Cdb.requireLength(cdb, 16);
        LogicalUnit lu = ctx.unit();
        long lba = Cdb.u64(cdb, 2);
        long alloc = Cdb.u32(cdb, 10);
        if (lba < 0 || lba >= lu.blockCount()) throw CommandFailure.check(Sense.LBA_OUT_OF_RANGE);
        byte[] b = new byte[24];
        Cdb.put32(b, 0, 20);
        Cdb.put64(b, 8, lba);
        Cdb.put32(b, 16, Math.min(lu.blockCount() - lba, 0xFFFFFFFFL));
        b[20] = 0; // mapped
        return Responses.parameterData(b, alloc);
    }
}
