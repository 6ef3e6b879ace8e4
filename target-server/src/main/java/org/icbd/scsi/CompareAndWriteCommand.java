package org.icbd.scsi;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * COMPARE AND WRITE (SBC-3 5.2): the compare and the write happen under the exclusive range
 * lock every other writer of these blocks also takes (shared), so no write can slip in between.
 * This is what VMware ATS and cluster file systems rely on.
 */
final class CompareAndWriteCommand {

    private CompareAndWriteCommand() {
    }

    static ScsiResponse execute(CommandContext ctx) throws IOException {
        ReadWriteCdb rw = ctx.blocks();
        LogicalUnit lu = ctx.unit();
        boolean fua = rw.fua();
        long lba = rw.lba();
        int nlb = (int) rw.blocks();
        if (nlb > InquiryCommand.MAX_COMPARE_AND_WRITE_BLOCKS) throw CommandFailure.invalidCdbField(13, -1);
        int bs = lu.blockSize();
        int half = nlb * bs;
        int sent = ctx.dataOutLength();
        // more data than the CDB accounts for means the CDB is not what the initiator meant
        // (e.g. a block count that wrapped in the one-byte field): refuse instead of guessing
        if (sent > 2 * half) throw CommandFailure.invalidCdbField(13, -1);
        if (nlb == 0) return ScsiResponse.goodWrite(0);
        if (sent < 2 * half) throw new BlockCommands.ShortDataOut(2 * half);
        ByteBuffer all = BlockCommands.dataOut(ctx, 2 * half);
        ByteBuffer verify = all.slice(0, half);
        ByteBuffer write = all.slice(half, half);
        ByteBuffer medium = ByteBuffer.allocate(half);
        try (var held = lu.rangeLock().exclusive(lba, nlb)) {
            lu.device().read(lba * bs, medium);
            medium.flip();
            int m = medium.mismatch(verify);
            if (m >= 0) {
                return new ScsiResponse(ScsiResponse.CHECK_CONDITION,
                        SenseData.withInformation(Sense.MISCOMPARE_DURING_VERIFY, m), null, 2L * half);
            }
            lu.device().write(lba * bs, write, fua);
        }
        return ScsiResponse.goodWrite(2L * half);
    }
}
