package org.icbd.scsi;

import java.io.IOException;
import java.nio.ByteBuffer;

/** WRITE SAME(10/16), with and without UNMAP. */
final class WriteSameCommand {

    /** Writes go out in chunks of this size so a large WRITE SAME needs a bounded buffer. */
    private static final int CHUNK = 1 << 20;

    private WriteSameCommand() {
    }

    static ScsiResponse execute(CommandContext ctx) throws IOException {
        byte[] cdb = ctx.cdb();
        ReadWriteCdb rw = ctx.blocks();
        LogicalUnit lu = ctx.unit();
        int b1 = rw.byte1();
        boolean is16 = (cdb[0] & 0xFF) == 0x93;
        boolean unmap = (b1 & 0x08) != 0;
        boolean anchor = (b1 & 0x10) != 0;
        boolean ndob = is16 && (b1 & 0x01) != 0;
        if (anchor) throw CommandFailure.invalidCdbField(1, 4);
        // a fully provisioned LUN advertises LBPWS=0; accepting UNMAP=1 there would contradict it
        if (unmap && !lu.device().supportsUnmap()) throw CommandFailure.invalidCdbField(1, 3);
        if (rw.blocks() == 0) throw CommandFailure.invalidCdbField(is16 ? 10 : 7, -1); // WSNZ=1
        if (rw.blocks() > InquiryCommand.MAX_WRITE_SAME_BLOCKS) throw CommandFailure.invalidCdbField(is16 ? 10 : 7, -1);
        int bs = lu.blockSize();
        ByteBuffer block;
        if (ndob) {
            block = ByteBuffer.allocate(bs);
        } else {
            if (ctx.dataOutLength() > bs) throw CommandFailure.check(Sense.INVALID_FIELD_IN_IU);
            block = BlockCommands.dataOut(ctx, bs);
        }
        long offset = rw.lba() * bs;
        long length = rw.blocks() * bs;
        try (var held = lu.rangeLock().shared(rw.lba(), rw.blocks())) {
            // releasing space is only right when the released blocks will read back as this data
            if ((unmap || ndob) && lu.device().supportsUnmap() && isZero(block)) {
                lu.device().unmap(offset, length);
            } else {
                writeRepeated(lu, offset, length, block);
            }
        }
        return ScsiResponse.goodWrite(ndob ? 0 : bs);
    }

    private static void writeRepeated(LogicalUnit lu, long offset, long length, ByteBuffer block) throws IOException {
        int bs = block.remaining();
        int chunkBlocks = (int) Math.min(length / bs, CHUNK / bs);
        ByteBuffer chunk = ByteBuffer.allocate(chunkBlocks * bs);
        for (int i = 0; i < chunkBlocks; i++) chunk.put(block.duplicate());
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(chunk.capacity(), length - done);
            lu.device().write(offset + done, chunk.clear().limit(n), false);
            done += n;
        }
    }

    static boolean isZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) if (b.get(i) != 0) return false;
        return true;
    }
}
