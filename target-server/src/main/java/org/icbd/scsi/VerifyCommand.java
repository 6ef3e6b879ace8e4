package org.icbd.scsi;

import java.io.IOException;
import java.nio.ByteBuffer;

/** VERIFY(10/12/16): BYTCHK 0 (medium), 1 (compare all blocks), 3 (one block against each). */
final class VerifyCommand {

    private VerifyCommand() {
    }

    static ScsiResponse execute(CommandContext ctx) throws IOException {
        ReadWriteCdb rw = ctx.blocks();
        LogicalUnit lu = ctx.unit();
        int bytchk = (rw.byte1() >>> 1) & 0x03;
        if (bytchk == 2) throw CommandFailure.invalidCdbField(1, 2);
        long bytes = BlockCommands.transferBytes(ctx, rw);
        if (bytes == 0 || bytchk == 0) {
            // the image file is always readable; there is no medium to scan for defects
            return ScsiResponse.goodWrite(0);
        }
        int bs = lu.blockSize();
        long outBytes = bytchk == 1 ? bytes : bs;
        ByteBuffer expected = BlockCommands.dataOut(ctx, outBytes);
        ByteBuffer medium = ByteBuffer.allocate((int) bytes);
        lu.device().read(rw.lba() * bs, medium);
        medium.flip();
        long miscompare = -1;
        if (bytchk == 1) {
            miscompare = medium.mismatch(expected);
        } else {
            for (int i = 0; i < rw.blocks() && miscompare < 0; i++) {
                int m = medium.slice(i * bs, bs).mismatch(expected);
                if (m >= 0) miscompare = (long) i * bs + m;
            }
        }
        if (miscompare >= 0) {
            return new ScsiResponse(ScsiResponse.CHECK_CONDITION,
                    SenseData.withInformation(Sense.MISCOMPARE_DURING_VERIFY, miscompare), null, outBytes);
        }
        return ScsiResponse.goodWrite(outBytes);
    }
}
