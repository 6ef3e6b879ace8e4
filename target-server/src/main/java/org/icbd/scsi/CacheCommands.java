package org.icbd.scsi;

import java.io.IOException;

/** SYNCHRONIZE CACHE(10/16) and PRE-FETCH(10/16). */
final class CacheCommands {

    private CacheCommands() {
    }

    /**
     * Flushes the whole image whatever the range: a positional file cannot be forced per range,
     * and flushing more than asked is always allowed. The dispatcher has checked the range.
     */
    static ScsiResponse synchronizeCache(CommandContext ctx) throws IOException {
        ctx.unit().device().flush();
        return ScsiResponse.good();
    }

    /** We keep no cache of our own to load, so there is nothing to do beyond the dispatcher's range check; GOOD tells the initiator so. */
    static ScsiResponse prefetch(CommandContext ctx) {
        return ScsiResponse.good();
    }
}
