package org.icbd.scsi;

import java.util.HexFormat;
import java.util.function.Predicate;

/**
 * One implemented command: how it is recognized, who may run it under a reservation, and what
 * REPORT SUPPORTED OPERATION CODES says about it. The dispatcher and that report read the same
 * descriptors, so the report cannot claim a command the target does not run, or vice versa.
 *
 * @param opcode        operation code
 * @param serviceAction service action, or -1 for commands without one
 * @param name          for logs
 * @param usage         CDB USAGE DATA (SPC-4 6.35.3): byte 0 the opcode, then a mask of the bits the
 *                      handler looks at; its length is the CDB length
 * @param access        how a reservation restricts it
 * @param unitAttention whether a pending unit attention is reported before it runs
 *                      (false for INQUIRY, REPORT LUNS, REQUEST SENSE: SAM-5 5.14)
 * @param timeoutSecs   nominal timeout for the RCTD timeouts descriptor
 * @param availableOn   whether the command exists on a given LUN (UNMAP only on thin ones)
 * @param blocks        whether the CDB names a range of blocks, and what the command does with them:
 *                      the dispatcher decodes and checks that range before the handler runs
 * @param handler       the code
 */
public record CommandDescriptor(int opcode, int serviceAction, String name, byte[] usage,
                                ReservationState.Access access, boolean unitAttention, int timeoutSecs,
                                Predicate<LogicalUnit> availableOn, BlockAccess blocks, CommandHandler handler) {

    /**
     * What a command does with the blocks its CDB names ({@link ReadWriteCdb}), so the dispatcher can
     * refuse a bad range once, in the order SBC and LIO's {@code sbc_parse_cdb} use: protection
     * information, then a write to a write-protected unit, then the range.
     */
    public enum BlockAccess {
        /** The CDB names no blocks. */
        NONE,
        /** Names blocks without moving data (SYNCHRONIZE CACHE, PRE-FETCH); the protection bits are reserved there. */
        ADDRESSES,
        /** Reads them. */
        READS,
        /** Changes them: refused on a write-protected unit. */
        WRITES
    }

    public static CommandDescriptor of(int opcode, int serviceAction, String name, String usageHex,
                                       ReservationState.Access access, CommandHandler handler) {
        return new CommandDescriptor(opcode, serviceAction, name, HexFormat.of().parseHex(usageHex.replace(" ", "")),
                access, true, 30, lu -> true, BlockAccess.NONE, handler);
    }

    public CommandDescriptor {
        if ((usage[0] & 0xFF) != opcode) throw new IllegalArgumentException(name + ": usage[0] must be the opcode");
    }

    public CommandDescriptor withoutUnitAttention() {
        return new CommandDescriptor(opcode, serviceAction, name, usage, access, false, timeoutSecs, availableOn, blocks, handler);
    }

    public CommandDescriptor onlyOn(Predicate<LogicalUnit> predicate) {
        return new CommandDescriptor(opcode, serviceAction, name, usage, access, unitAttention, timeoutSecs, predicate, blocks, handler);
    }

    public CommandDescriptor timeout(int seconds) {
        return new CommandDescriptor(opcode, serviceAction, name, usage, access, unitAttention, seconds, availableOn, blocks, handler);
    }

    /** This command's CDB names blocks ({@link ReadWriteCdb}'s layout), used as {@code how}. */
    public CommandDescriptor onBlocks(BlockAccess how) {
        return new CommandDescriptor(opcode, serviceAction, name, usage, access, unitAttention, timeoutSecs, availableOn, how, handler);
    }

    public boolean hasServiceAction() {
        return serviceAction >= 0;
    }

    public int cdbLength() {
        return usage.length;
    }
}
