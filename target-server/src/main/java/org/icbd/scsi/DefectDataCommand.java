package org.icbd.scsi;

/**
 * READ DEFECT DATA(10/12): a file-backed disk has no grown or primary defects, so both lists are
 * valid and empty, in whatever address format was asked for (SBC-3 5.19/5.20).
 */
final class DefectDataCommand {

    private DefectDataCommand() {
    }

    static ScsiResponse execute(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        boolean is12 = (cdb[0] & 0xFF) == 0xB7;
        Cdb.requireLength(cdb, is12 ? 12 : 10);
        int request = Cdb.u8(cdb, is12 ? 1 : 2) & 0x1F; // REQ_PLIST, REQ_GLIST, DEFECT LIST FORMAT
        byte[] header = new byte[is12 ? 8 : 4];
        header[1] = (byte) request;                     // PLISTV/GLISTV echo the request; length stays 0
        long allocation = is12 ? Cdb.u32(cdb, 6) : Cdb.u16(cdb, 7);
        return Responses.parameterData(header, allocation);
    }
}
