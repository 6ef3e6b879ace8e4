package org.icbd.scsi;

import java.util.SortedSet;

/** REPORT LUNS (SPC-4 6.33); answered on any LUN, existing or not. */
final class ReportLunsCommand {

    private ReportLunsCommand() {
    }

    static ScsiResponse execute(ScsiRequest request, SortedSet<Long> luns) {
        byte[] cdb = request.cdb();
        Cdb.requireLength(cdb, 12);
        int select = Cdb.u8(cdb, 2);
        long alloc = Cdb.u32(cdb, 6);
        if (select > 2) throw CommandFailure.invalidCdbField(2, -1);
        if (alloc < 16) throw CommandFailure.invalidCdbField(6, -1);
        return Responses.parameterData(encode(luns), alloc);
    }

    /** The LUN list; select report 0, 1 and 2 coincide since we have no well-known LUNs. */
    static byte[] encode(SortedSet<Long> luns) {
        byte[] b = new byte[8 + 8 * luns.size()];
        Cdb.put32(b, 0, 8L * luns.size());
        int off = 8;
        for (long lun : luns) {
            encodeLun(lun, b, off);
            off += 8;
        }
        return b;
    }

    /** Peripheral addressing below 256 (what every initiator expects for small LUNs), flat space above. */
    static void encodeLun(long lun, byte[] b, int off) {
        if (lun < 256) {
            b[off + 1] = (byte) lun;
        } else {
            b[off] = (byte) (0x40 | ((lun >>> 8) & 0x3F));
            b[off + 1] = (byte) lun;
        }
    }
}
