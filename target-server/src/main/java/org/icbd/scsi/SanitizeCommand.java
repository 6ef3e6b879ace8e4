package org.icbd.scsi;

import java.io.IOException;

/**
 * SANITIZE (SBC-4 5.30) on thin LUNs: BLOCK ERASE deallocates every block (the image file becomes
 * one hole, so a clone gives all its space back and reads zeros), EXIT FAILURE MODE has nothing to
 * exit because a block erase either completes or reports its error.
 *
 * <p>OVERWRITE and CRYPTO ERASE are not offered: on a copy-on-write file system an overwrite
 * writes new extents and leaves the old ones in every snapshot that shares them, so it would
 * promise an erasure it cannot deliver; and images are not encrypted.
 */
final class SanitizeCommand {

    static final int BLOCK_ERASE = 0x02;
    static final int EXIT_FAILURE_MODE = 0x1F;

    private SanitizeCommand() {
    }

    /** Block erase needs hole punching; a read-only LUN lists it too, and refuses it with DATA PROTECT. */
    static boolean availableOn(LogicalUnit lu) {
        return lu.device().supportsUnmap() || lu.device().readOnly();
    }

    static ScsiResponse execute(CommandContext ctx) throws IOException {
        byte[] cdb = ctx.cdb();
        Cdb.requireLength(cdb, 10);
        if ((cdb[1] & 0x40) != 0) throw CommandFailure.invalidCdbField(1, 6);
        for (int i = 2; i <= 6; i++) {
            if (cdb[i] != 0) throw CommandFailure.invalidCdbField(i, -1);
        }
        // neither service action offered here takes a parameter list
        if (Cdb.u16(cdb, 7) != 0) throw CommandFailure.invalidCdbField(7, -1);
        LogicalUnit lu = ctx.unit();
        BlockCommands.checkWritable(lu);
        if (Cdb.serviceAction(cdb) == BLOCK_ERASE) {
            // IMMED is honoured by finishing first: punching out a whole file takes milliseconds
            try (var held = lu.rangeLock().exclusive(0, lu.blockCount())) {
                lu.device().unmap(0, lu.device().sizeBytes());
                lu.device().flush();
            }
        }
        return ScsiResponse.good();
    }
}
