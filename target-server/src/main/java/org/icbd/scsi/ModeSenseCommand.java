package org.icbd.scsi;

import java.io.ByteArrayOutputStream;

/** MODE SENSE(6/10) and a MODE SELECT(6/10) that accepts only what is already in effect. */
final class ModeSenseCommand {

    private ModeSenseCommand() {
    }

    static ScsiResponse modeSense(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        boolean ten = (cdb[0] & 0xFF) == 0x5A;
        Cdb.requireLength(cdb, ten ? 10 : 6);
        boolean dbd = (cdb[1] & 0x08) != 0;
        boolean llbaa = ten && (cdb[1] & 0x10) != 0;
        int pageControl = (cdb[2] & 0xC0) >>> 6;
        int pageCode = cdb[2] & 0x3F;
        int subpage = Cdb.u8(cdb, 3);
        int alloc = ten ? Cdb.u16(cdb, 7) : Cdb.u8(cdb, 4);
        if (pageControl == 3) throw CommandFailure.check(Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
        LogicalUnit lu = ctx.unit();
        byte[] pages;
        if (pageCode == ModePages.ALL_PAGES) {
            // we have no subpages, so "all pages and subpages" (0xFF) is the same list
            if (subpage != 0 && subpage != 0xFF) throw CommandFailure.invalidCdbField(3, -1);
            pages = lu.modePages().allPages(pageControl);
        } else {
            if (subpage != 0) throw CommandFailure.invalidCdbField(3, -1);
            pages = lu.modePages().page(pageCode, pageControl);
            if (pages == null) throw CommandFailure.invalidCdbField(2, 5);
        }
        byte[] blockDescriptor = dbd ? new byte[0] : blockDescriptor(lu, llbaa);
        return Responses.parameterData(assemble(ten, lu, blockDescriptor, pages, llbaa && !dbd), alloc);
    }

    private static byte[] blockDescriptor(LogicalUnit lu, boolean longLba) {
        if (longLba) {
            byte[] d = new byte[16];
            Cdb.put64(d, 0, lu.blockCount());
            Cdb.put32(d, 12, lu.blockSize());
            return d;
        }
        byte[] d = new byte[8];
        Cdb.put32(d, 0, Math.min(lu.blockCount(), 0xFFFFFFFFL));
        Cdb.put32(d, 4, lu.blockSize()); // byte 4 is reserved and the size fits in 24 bits
        return d;
    }

    private static byte[] assemble(boolean ten, LogicalUnit lu, byte[] bd, byte[] pages, boolean longLba) {
        boolean wp = lu.device().readOnly() || lu.modePages().softwareWriteProtect();
        int deviceSpecific = 0x10 | (wp ? 0x80 : 0); // DPOFUA, WP
        var out = new ByteArrayOutputStream();
        int headerLen = ten ? 8 : 4;
        int total = headerLen + bd.length + pages.length;
        if (ten) {
            byte[] h = new byte[8];
            Cdb.put16(h, 0, total - 2);
            h[3] = (byte) deviceSpecific;
            h[4] = (byte) (longLba ? 0x01 : 0);
            Cdb.put16(h, 6, bd.length);
            out.writeBytes(h);
        } else {
            out.write(total - 1);
            out.write(0);
            out.write(deviceSpecific);
            out.write(bd.length);
        }
        out.writeBytes(bd);
        out.writeBytes(pages);
        return out.toByteArray();
    }

    /**
     * MODE SELECT: a parameter list is accepted when every page it carries equals the current
     * page outside the changeable bits (what an initiator sends back after reading it), and
     * refused with INVALID FIELD IN PARAMETER LIST otherwise. Nothing is applied unless the whole
     * list is valid; a changed SWP tells every other I_T nexus MODE PARAMETERS CHANGED.
     */
    static ScsiResponse modeSelect(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        boolean ten = (cdb[0] & 0xFF) == 0x55;
        Cdb.requireLength(cdb, ten ? 10 : 6);
        if ((cdb[1] & 0x01) != 0) throw CommandFailure.check(Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
        int len = ten ? Cdb.u16(cdb, 7) : Cdb.u8(cdb, 4);
        if (len == 0) return ScsiResponse.goodWrite(0);
        byte[] p = ctx.parameterList(len);
        if (p.length < len) throw new BlockCommands.ShortDataOut(len);
        Boolean swp = checkParameters(ctx.unit(), p, ten);
        LogicalUnit lu = ctx.unit();
        if (swp != null && swp != lu.modePages().softwareWriteProtect()) {
            lu.modePages().softwareWriteProtect(swp);
            lu.unitAttentions().raiseAllExcept(ctx.target().nexuses(), ctx.nexus(), Sense.MODE_PARAMETERS_CHANGED);
        }
        return ScsiResponse.goodWrite(len);
    }

    /** Validates a parameter list; returns the SWP it asks for, or null when it has no control page. */
    static Boolean checkParameters(LogicalUnit lu, byte[] p, boolean ten) {
        Boolean swp = null;
        int headerLen = ten ? 8 : 4;
        if (p.length < headerLen) throw CommandFailure.check(Sense.PARAMETER_LIST_LENGTH_ERROR);
        int bdLen = ten ? Cdb.u16(p, 6) : Cdb.u8(p, 3);
        int off = headerLen + bdLen;
        if (off > p.length) throw CommandFailure.check(Sense.PARAMETER_LIST_LENGTH_ERROR);
        if (bdLen >= 8) {
            // a block descriptor may only restate the current block size
            long blockLength = Cdb.u24(p, headerLen + bdLen - 3);
            if (blockLength != 0 && blockLength != lu.blockSize()) throw CommandFailure.invalidParameter(headerLen + bdLen - 3, -1);
        }
        while (off < p.length) {
            if (off + 2 > p.length) throw CommandFailure.check(Sense.PARAMETER_LIST_LENGTH_ERROR);
            int code = p[off] & 0x3F;
            boolean spf = (p[off] & 0x40) != 0;
            int pageLen = spf ? (off + 4 <= p.length ? Cdb.u16(p, off + 2) + 4 : Integer.MAX_VALUE) : Cdb.u8(p, off + 1) + 2;
            if (spf || off + pageLen > p.length) throw CommandFailure.invalidParameter(off, -1);
            byte[] current = lu.modePages().page(code, ModePages.PC_CURRENT);
            byte[] changeable = lu.modePages().page(code, ModePages.PC_CHANGEABLE);
            if (current == null || current.length != pageLen) throw CommandFailure.invalidParameter(off, -1);
            for (int i = 2; i < pageLen; i++) {
                if (((p[off + i] ^ current[i]) & ~changeable[i]) != 0) throw CommandFailure.invalidParameter(off + i, -1);
            }
            if (code == ModePages.PAGE_CONTROL) {
                swp = (p[off + ModePages.CONTROL_SWP_BYTE] & ModePages.CONTROL_SWP_BIT) != 0;
            }
            off += pageLen;
        }
        return swp;
    }
}
