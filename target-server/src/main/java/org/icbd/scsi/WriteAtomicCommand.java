package org.icbd.scsi;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * WRITE ATOMIC(16): the blocks are written as one unit with respect to every other command, by
 * holding the LUN's range lock exclusively (as COMPARE AND WRITE does) and issuing one write. No
 * other command ever observes a mix of old and new blocks. After a power loss only the file
 * system's guarantees hold: btrfs copies on write, so a 4 KiB-aligned write is all or nothing,
 * larger ones may land in part.
 */
final class WriteAtomicCommand {

    /** Largest atomic write; bounded so one command cannot hold a range exclusively for long. */
    static final int MAX_ATOMIC_BYTES = 1 << 20;

    private WriteAtomicCommand() {
    }

    static int maxAtomicBlocks(int blockSize, int maxTransferBytes) {
        return Math.min(MAX_ATOMIC_BYTES, maxTransferBytes) / blockSize;
    }

    static ScsiResponse execute(CommandContext ctx) throws IOException {
        byte[] cdb = ctx.cdb();
        ReadWriteCdb rw = ctx.blocks();
        LogicalUnit lu = ctx.unit();
        // MAXIMUM ATOMIC BOUNDARY SIZE is 0: the whole transfer is one atomic unit, no boundaries
        if (Cdb.u16(cdb, 10) != 0) throw CommandFailure.invalidCdbField(10, -1);
        if (rw.blocks() > maxAtomicBlocks(lu.blockSize(), ctx.target().maxTransferBytes())) {
            throw CommandFailure.invalidCdbField(12, -1);
        }
        long bytes = rw.blocks() * lu.blockSize();
        if (bytes == 0) return ScsiResponse.goodWrite(0);
        // all or nothing: a short Data-Out writes nothing (unlike WRITE, which keeps what arrived)
        ByteBuffer data = BlockCommands.dataOut(ctx, bytes);
        try (var held = lu.rangeLock().exclusive(rw.lba(), rw.blocks())) {
            lu.device().write(rw.lba() * lu.blockSize(), data, rw.fua());
        }
        return ScsiResponse.goodWrite(bytes);
    }
}
