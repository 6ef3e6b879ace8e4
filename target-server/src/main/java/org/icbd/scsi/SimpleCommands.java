package org.icbd.scsi;

/** Commands with no data and no state: TEST UNIT READY, START STOP UNIT. */
final class SimpleCommands {

    private SimpleCommands() {
    }

    /** The medium is always present and ready; reservations and unit attentions are checked by the dispatcher. */
    static ScsiResponse testUnitReady(CommandContext ctx) {
        return ScsiResponse.good();
    }

    /**
     * Accepted and ignored: the "medium" is an image that cannot spin down or be ejected, and
     * refusing would make initiators that stop disks on shutdown log errors. LOEJ is refused since
     * we report a non-removable medium (RMB=0).
     */
    static ScsiResponse startStopUnit(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        Cdb.requireLength(cdb, 6);
        int powerCondition = (cdb[4] & 0xF0) >>> 4;
        if ((cdb[4] & 0x02) != 0 && powerCondition == 0) throw CommandFailure.invalidCdbField(4, 1);
        return ScsiResponse.good();
    }
}
