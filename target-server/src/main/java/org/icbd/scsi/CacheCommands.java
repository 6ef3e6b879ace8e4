package org.icbd.scsi;

import java.io.IOException;

/** SYNCHRONIZE CACHE(10/16) and PRE-FETCH(10/16). */
final class CacheCommands {

    private CacheCommands() {
    }

    /**
     * Flushes the whole image whatever the range: a positional file cannot be forced per range,
     * and flushing more than asked is always allowed. The range is still checked.
     */
    static ScsiResponse synchronizeCache(CommandContext ctx) throws IOException {
        ReadWriteCdb rw = ReadWriteCdb.decode(ctx.cdb());
        LogicalUnit lu = ctx.unit();
        rw.checkRange(lu.blockCount());
        lu.device().flush();
        return ScsiResponse.good();
    }

    /** We keep no cache of our own to load, so there is nothing to do beyond checking the range; GOOD tells the initiator so. */
    static ScsiResponse prefetch(CommandContext ctx) {
        ReadWriteCdb rw = ReadWriteCdb.decode(ctx.cdb());
        rw.checkRange(ctx.unit().blockCount());
        return ScsiResponse.good();
    }
}
