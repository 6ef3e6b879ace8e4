package org.icbd.scsi;

import java.nio.ByteBuffer;

/** Checks shared by the block commands. */
final class BlockCommands {

    private BlockCommands() {
    }

    /**
     * Bytes moved by a range, refusing transfers larger than the Block Limits VPD promises (they
     * would make us allocate unbounded buffers). {@code lengthField} is the CDB byte of the
     * TRANSFER LENGTH field for the sense field pointer.
     */
    static long transferBytes(ReadWriteCdb rw, LogicalUnit lu, int lengthField) {
        long bytes = rw.blocks() * lu.blockSize();
        if (bytes > InquiryCommand.MAX_TRANSFER_BYTES) throw CommandFailure.invalidCdbField(lengthField, -1);
        return bytes;
    }

    static void checkWritable(LogicalUnit lu) {
        if (lu.device().readOnly()) throw CommandFailure.check(Sense.WRITE_PROTECTED);
    }

    /**
     * The Data-Out the CDB asks for, or the answer to give when the initiator sent less: we write
     * nothing and report INVALID FIELD IN INFORMATION UNIT (FCP-4 option b, which libiscsi's
     * residual tests accept), keeping the CDB's length so the transport reports the overflow.
     */
    static ByteBuffer dataOut(CommandContext ctx, long bytes) {
        ByteBuffer out = ctx.request().dataOut();
        if (out == null || out.remaining() < bytes) throw new ShortDataOut(bytes);
        return out.slice(out.position(), (int) bytes);
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

    /** Offset of the first differing byte, or -1. */
    static int mismatch(ByteBuffer a, ByteBuffer b) {
        return a.mismatch(b);
    }
}
