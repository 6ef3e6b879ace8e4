package org.icbd.scsi;

import java.io.IOException;

/** UNMAP (SBC-3 5.28): validates every descriptor before releasing anything. */
final class UnmapCommand {

    private UnmapCommand() {
    }

    /** One UNMAP block descriptor. */
    record Extent(long lba, long blocks) {
    }

    static ScsiResponse execute(CommandContext ctx) throws IOException {
        byte[] cdb = ctx.cdb();
        Cdb.requireLength(cdb, 10);
        LogicalUnit lu = ctx.unit();
        if ((cdb[1] & 0x01) != 0) throw CommandFailure.invalidCdbField(1, 0); // ANCHOR unsupported
        BlockCommands.checkWritable(lu);
        int paramLen = Cdb.u16(cdb, 7);
        if (paramLen == 0) return ScsiResponse.goodWrite(0);
        byte[] params = ctx.parameterList(paramLen);
        if (params.length < paramLen) throw new BlockCommands.ShortDataOut(paramLen);
        Extent[] extents = parse(params, lu.blockCount());
        try (var held = lu.rangeLock().shared(0, lu.blockCount())) {
            for (Extent e : extents) {
                if (e.blocks() > 0) lu.device().unmap(e.lba() * lu.blockSize(), e.blocks() * lu.blockSize());
            }
        }
        return ScsiResponse.goodWrite(paramLen);
    }

    /** Parses and checks an UNMAP parameter list; I/O free so it can be tested with bytes. */
    static Extent[] parse(byte[] params, long blockCount) {
        if (params.length < 8) throw CommandFailure.check(Sense.PARAMETER_LIST_LENGTH_ERROR);
        int descLen = Cdb.u16(params, 2);
        if (descLen % 16 != 0 || 8 + descLen > params.length) {
            throw CommandFailure.check(Sense.PARAMETER_LIST_LENGTH_ERROR);
        }
        int count = descLen / 16;
        if (count > InquiryCommand.MAX_UNMAP_DESCRIPTORS) throw CommandFailure.invalidParameter(2, -1);
        Extent[] extents = new Extent[count];
        long total = 0;
        for (int i = 0; i < count; i++) {
            int off = 8 + 16 * i;
            long lba = Cdb.u64(params, off);
            long blocks = Cdb.u32(params, off + 8);
            if (lba < 0 || lba > blockCount || blocks > blockCount - lba) {
                throw CommandFailure.check(Sense.LBA_OUT_OF_RANGE);
            }
            total += blocks;
            if (total > InquiryCommand.MAX_UNMAP_BLOCKS) throw CommandFailure.invalidParameter(off + 8, -1);
            extents[i] = new Extent(lba, blocks);
        }
        return extents;
    }
}
