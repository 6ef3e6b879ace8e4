package org.icbd.scsi;

import java.nio.ByteBuffer;

/** Checks shared by the block commands. */
final class BlockCommands {

    private BlockCommands() {
    }

    /**
     * Bytes moved by a range, refusing transfers larger than the Block Limits VPD promises (they
     * would make us allocate unbounded buffers).
     */
    static long transferBytes(CommandContext ctx, ReadWriteCdb rw) {
        long bytes = rw.blocks() * ctx.unit().blockSize();
        if (bytes > ctx.target().maxTransferBytes()) {
            throw CommandFailure.invalidCdbField(ReadWriteCdb.lengthFieldOffset(ctx.cdb()), -1);
        }
        return bytes;
    }

    static void checkWritable(LogicalUnit lu) {
        if (lu.device().readOnly()) throw CommandFailure.check(Sense.WRITE_PROTECTED);
        if (lu.modePages().softwareWriteProtect()) throw CommandFailure.check(Sense.SOFTWARE_WRITE_PROTECTED);
    }

    /**
     * The Data-Out the CDB asks for, for commands that cannot run on part of it (compare data,
     * WRITE SAME's block, parameter lists). When the initiator sent less, nothing is done and the
     * answer is INVALID FIELD IN INFORMATION UNIT, keeping the CDB's length as the transfer length.
     */
    static ByteBuffer dataOut(CommandContext ctx, long bytes) {
        ByteBuffer out = ctx.request().dataOut();
        if (out == null || out.remaining() < bytes) throw new ShortDataOut(bytes);
        return out.slice(out.position(), (int) bytes);
    }

    /**
     * The Data-Out of a WRITE, cut to the CDB's length. When the initiator sent less (its expected
     * length was below the CDB's), we follow FCP-4 option (a) as tgtd does: process the command
     * normally except that data beyond what was sent is not transferred, so exactly the bytes
     * received are written and the transport reports the overflow from the CDB's length. A
     * rejection (option b) would be allowed too, but the transport reports residuals only with
     * GOOD status, and libiscsi's residual tests insist on seeing them.
     */
    static ByteBuffer receivedOut(CommandContext ctx, long bytes) {
        ByteBuffer out = ctx.request().dataOut();
        if (out == null) return ByteBuffer.allocate(0);
        return out.slice(out.position(), (int) Math.min(bytes, out.remaining()));
    }

    /** Data-Out shorter than the CDB needs; the dispatcher answers with the CDB's transfer length. */
    static final class ShortDataOut extends RuntimeException {
        final long wanted;

        ShortDataOut(long wanted) {
            super(null, null, false, false);
            this.wanted = wanted;
        }

        ScsiResponse toResponse() {
            return new ScsiResponse(ScsiResponse.CHECK_CONDITION, SenseData.of(Sense.INVALID_FIELD_IN_IU), null, wanted);
        }
    }
}
