package org.icbd.scsi;

/** REQUEST SENSE (SPC-4 6.39): hands over (and clears) the oldest pending unit attention. */
final class RequestSenseCommand {

    private RequestSenseCommand() {
    }

    static ScsiResponse execute(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        Cdb.requireLength(cdb, 6);
        if ((cdb[1] & 0x01) != 0) throw CommandFailure.invalidCdbField(1, 0); // descriptor format not supported
        Sense pending = ctx.target().takeUnitAttention(ctx.unit(), ctx.nexus());
        return Responses.parameterData(SenseData.of(pending != null ? pending : Sense.NO_SENSE), Cdb.u8(cdb, 4));
    }

    /**
     * A missing LUN reports that fact as sense data with GOOD status (SPC-4 6.39.1), or first the
     * target's {@code pending} unit attention (already cleared), when it has one and no LUN to hold it.
     */
    static ScsiResponse missingLun(ScsiRequest request, Sense pending) {
        byte[] cdb = request.cdb();
        if (cdb.length < 6) throw CommandFailure.check(Sense.INVALID_FIELD_IN_CDB);
        return Responses.parameterData(SenseData.of(pending != null ? pending : Sense.LUN_NOT_SUPPORTED), Cdb.u8(cdb, 4));
    }
}
