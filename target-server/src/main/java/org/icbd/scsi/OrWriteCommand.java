package org.icbd.scsi;

import java.io.IOException;
import java.nio.ByteBuffer;

/** ORWRITE(16) (SBC-3 5.8): medium := medium OR data, atomically like COMPARE AND WRITE. */
final class OrWriteCommand {

    private OrWriteCommand() {
    }

    static ScsiResponse execute(CommandContext ctx) throws IOException {
        ReadWriteCdb rw = ctx.blocks();
        LogicalUnit lu = ctx.unit();
        long bytes = BlockCommands.transferBytes(ctx, rw);
        if (bytes == 0) return ScsiResponse.goodWrite(0);
        ByteBuffer data = BlockCommands.dataOut(ctx, bytes);
        ByteBuffer medium = ByteBuffer.allocate((int) bytes);
        try (var held = lu.rangeLock().exclusive(rw.lba(), rw.blocks())) {
            lu.device().read(rw.lba() * lu.blockSize(), medium);
            for (int i = 0; i < bytes; i++) medium.put(i, (byte) (medium.get(i) | data.get(i)));
            medium.clear();
            lu.device().write(rw.lba() * lu.blockSize(), medium, rw.fua());
        }
        return ScsiResponse.goodWrite(bytes);
    }
}
