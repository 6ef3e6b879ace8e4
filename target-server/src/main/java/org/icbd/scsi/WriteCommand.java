package org.icbd.scsi;

import java.io.IOException;
import java.nio.ByteBuffer;

/** WRITE(6/10/12/16) and WRITE AND VERIFY(10/12/16). */
final class WriteCommand {

    private WriteCommand() {
    }

    static ScsiResponse write(CommandContext ctx) throws IOException {
        return write(ctx, ctx.blocks(), ctx.blocks().fua());
    }

    /**
     * WRITE AND VERIFY: the data is written durably and then is what the medium holds, so the
     * verification (BYTCHK 0: medium readable, 1: compare) cannot fail short of an I/O error,
     * which the write itself reports.
     */
    static ScsiResponse writeAndVerify(CommandContext ctx) throws IOException {
        ReadWriteCdb rw = ctx.blocks();
        int bytchk = (rw.byte1() >>> 1) & 0x03;
        if (bytchk == 2 || bytchk == 3) throw CommandFailure.invalidCdbField(1, 2);
        return write(ctx, rw, true);
    }

    private static ScsiResponse write(CommandContext ctx, ReadWriteCdb rw, boolean fua) throws IOException {
        LogicalUnit lu = ctx.unit();
        long bytes = BlockCommands.transferBytes(ctx, rw);
        if (bytes == 0) return ScsiResponse.goodWrite(0);
        ByteBuffer src = BlockCommands.receivedOut(ctx, bytes);
        long blocks = (src.remaining() + lu.blockSize() - 1) / lu.blockSize();
        if (blocks > 0) {
            try (var held = lu.rangeLock().shared(rw.lba(), blocks)) {
                lu.device().write(rw.lba() * lu.blockSize(), src, fua);
            }
        }
        return ScsiResponse.goodWrite(bytes);
    }
}
