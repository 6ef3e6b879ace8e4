package org.icbd.scsi;

import java.io.ByteArrayOutputStream;

/** REPORT SUPPORTED OPERATION CODES and REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS, both read from the command table. */
final class ReportSupportedCommands {

    private ReportSupportedCommands() {
    }

    static ScsiResponse operationCodes(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        Cdb.requireLength(cdb, 12);
        boolean rctd = (cdb[2] & 0x80) != 0;
        int options = cdb[2] & 0x07;
        int opcode = Cdb.u8(cdb, 3);
        int sa = Cdb.u16(cdb, 4);
        long alloc = Cdb.u32(cdb, 6);
        CommandTable table = ctx.target().commands();
        LogicalUnit lu = ctx.unit();
        byte[] data = switch (options) {
            case 0 -> all(table, lu, rctd);
            case 1 -> {
                if (table.hasServiceActions(opcode)) throw CommandFailure.invalidCdbField(2, 2);
                yield one(table.find(opcode, -1, lu), rctd);
            }
            case 2 -> {
                if (!table.hasServiceActions(opcode) && table.find(opcode, -1, lu) != null) {
                    throw CommandFailure.invalidCdbField(2, 2);
                }
                yield one(table.find(opcode, sa, lu), rctd);
            }
            case 3 -> one(table.hasServiceActions(opcode) ? table.find(opcode, sa, lu) : table.find(opcode, -1, lu), rctd);
            default -> throw CommandFailure.invalidCdbField(2, 2);
        };
        return Responses.parameterData(data, alloc);
    }

    private static byte[] all(CommandTable table, LogicalUnit lu, boolean rctd) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(new byte[4]);
        for (CommandDescriptor d : table.available(lu)) {
            byte[] e = new byte[8];
            e[0] = (byte) d.opcode();
            if (d.hasServiceAction()) Cdb.put16(e, 2, d.serviceAction());
            e[5] = (byte) ((rctd ? 0x02 : 0) | (d.hasServiceAction() ? 0x01 : 0));
            Cdb.put16(e, 6, d.cdbLength());
            out.writeBytes(e);
            if (rctd) out.writeBytes(timeouts(d));
        }
        byte[] b = out.toByteArray();
        Cdb.put32(b, 0, b.length - 4);
        return b;
    }

    private static byte[] one(CommandDescriptor d, boolean rctd) {
        if (d == null) {
            return new byte[]{0, 0x01, 0, 0}; // SUPPORT 001b: not supported
        }
        var out = new ByteArrayOutputStream();
        out.write(0);
        out.write((rctd ? 0x80 : 0) | 0x03); // SUPPORT 011b: supported as the standard says
        out.write(d.cdbLength() >>> 8);
        out.write(d.cdbLength());
        out.writeBytes(d.usage());
        if (rctd) out.writeBytes(timeouts(d));
        return out.toByteArray();
    }

    private static byte[] timeouts(CommandDescriptor d) {
        byte[] t = new byte[12];
        Cdb.put16(t, 0, 0x0A);
        Cdb.put32(t, 4, d.timeoutSecs());
        Cdb.put32(t, 8, d.timeoutSecs());
        return t;
    }

    /** ABORT TASK, ABORT TASK SET, CLEAR TASK SET, LUN RESET, TARGET (WARM/COLD) RESET: the iSCSI task management functions. */
    static ScsiResponse taskManagementFunctions(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        Cdb.requireLength(cdb, 12);
        boolean repd = (cdb[2] & 0x80) != 0;
        long alloc = Cdb.u32(cdb, 6);
        byte[] b = new byte[repd ? 16 : 4];
        b[0] = (byte) (0x80 | 0x40 | 0x10 | 0x08 | 0x02); // ATS, ATSS, CTSS, LURS, TRS
        if (repd) b[3] = 0x0C;
        return Responses.parameterData(b, alloc);
    }
}
