package org.icbd.scsi;

import java.io.IOException;
import java.nio.ByteBuffer;

/** READ(6/10/12/16). */
final class ReadCommand {

    private ReadCommand() {
    }

    static ScsiResponse execute(CommandContext ctx) throws IOException {
        ReadWriteCdb rw = ctx.blocks();
        LogicalUnit lu = ctx.unit();
        long bytes = BlockCommands.transferBytes(ctx, rw);
        if (bytes == 0) return new ScsiResponse(ScsiResponse.GOOD, null, null, 0);
        // one buffer of exactly the transfer size, handed to the transport as is; DPO and FUA need
        // nothing here: we keep no cache of our own that a read could bypass or pollute
        ByteBuffer buf = ByteBuffer.allocate((int) bytes);
        lu.device().read(rw.lba() * lu.blockSize(), buf);
        buf.flip();
        return new ScsiResponse(ScsiResponse.GOOD, null, buf, bytes);
    }
}
