package org.icbd.scsi;

import org.icbd.scsi.CommandDescriptor.BlockAccess;

/**
 * The fields every SBC block-moving CDB shares (READ, WRITE, VERIFY, WRITE AND VERIFY,
 * PRE-FETCH, SYNCHRONIZE CACHE, COMPARE AND WRITE, WRITE SAME, ORWRITE, WRITE ATOMIC), decoded
 * and checked once by the dispatcher ({@link #parse}); the handlers get them checked.
 *
 * @param lba      first logical block
 * @param blocks   number of blocks (already mapped from 0 → 256 for the 6-byte forms)
 * @param protect  RDPROTECT/WRPROTECT/VRPROTECT (bits 7..5 of byte 1)
 * @param dpo      disable page out
 * @param fua      force unit access
 * @param byte1    the raw flags byte, for command-specific bits (BYTCHK, UNMAP, IMMED...)
 */
public record ReadWriteCdb(long lba, long blocks, int protect, boolean dpo, boolean fua, int byte1) {
    static final int WRITE_ATOMIC_16 = 0x9C;
    static final int COMPARE_AND_WRITE = 0x89;

    /**
     * Decodes a block command's CDB and refuses what no handler could run, in the order of LIO's
     * {@code sbc_parse_cdb}: protection information (we keep none), a change to a write-protected
     * unit, then blocks past the end (LOGICAL BLOCK ADDRESS OUT OF RANGE).
     */
    static ReadWriteCdb parse(byte[] cdb, BlockAccess how, LogicalUnit lu) {
        ReadWriteCdb rw = decode(cdb);
        if (how != BlockAccess.ADDRESSES && rw.protect() != 0) throw CommandFailure.invalidCdbField(1, 7);
        if (how == BlockAccess.WRITES) BlockCommands.checkWritable(lu);
        rw.checkRange(lu.blockCount());
        return rw;
    }

    /** Decodes the 6/10/12/16-byte layouts; the length of the layout is taken from the opcode group. */
    public static ReadWriteCdb decode(byte[] cdb) {
        int group = (cdb[0] & 0xFF) >>> 5;
        return switch (group) {
            case 0 -> {
                Cdb.requireLength(cdb, 6);
                long lba = (cdb[1] & 0x1F) << 16 | Cdb.u16(cdb, 2);
                int n = Cdb.u8(cdb, 4);
                // SBC-3 5.15: a TRANSFER LENGTH of zero in the 6-byte forms means 256 blocks
                yield new ReadWriteCdb(lba, n == 0 ? 256 : n, 0, false, false, 0);
            }
            case 1, 2 -> {
                Cdb.requireLength(cdb, 10);
                yield of(cdb, Cdb.u32(cdb, 2), Cdb.u16(cdb, 7));
            }
            case 5 -> {
                Cdb.requireLength(cdb, 12);
                yield of(cdb, Cdb.u32(cdb, 2), Cdb.u32(cdb, 6));
            }
            case 4 -> {
                Cdb.requireLength(cdb, 16);
                // WRITE ATOMIC(16) keeps bytes 10-11 for the atomic boundary and has a 16-bit length,
                // COMPARE AND WRITE a one-byte NUMBER OF LOGICAL BLOCKS in byte 13
                yield switch (cdb[0] & 0xFF) {
                    case WRITE_ATOMIC_16 -> of(cdb, Cdb.u64(cdb, 2), Cdb.u16(cdb, 12));
                    case COMPARE_AND_WRITE -> of(cdb, Cdb.u64(cdb, 2), Cdb.u8(cdb, 13));
                    default -> of(cdb, Cdb.u64(cdb, 2), Cdb.u32(cdb, 10));
                };
            }
            default -> throw CommandFailure.check(Sense.INVALID_OPCODE);
        };
    }

    /** Where the TRANSFER LENGTH field sits, for sense field pointers. */
    public static int lengthFieldOffset(byte[] cdb) {
        if ((cdb[0] & 0xFF) == WRITE_ATOMIC_16) return 12;
        if ((cdb[0] & 0xFF) == COMPARE_AND_WRITE) return 13;
        return switch ((cdb[0] & 0xFF) >>> 5) {
            case 0 -> 4;
            case 5 -> 6;
            case 4 -> 10;
            default -> 7;
        };
    }

    private static ReadWriteCdb of(byte[] cdb, long lba, long blocks) {
        int b1 = cdb[1] & 0xFF;
        return new ReadWriteCdb(lba, blocks, b1 >>> 5, (b1 & 0x10) != 0, (b1 & 0x08) != 0, b1);
    }

    /**
     * Checks the range against the device. The LBA is unsigned on the wire; a value with the top
     * bit set is reported out of range rather than overflowing.
     */
    public void checkRange(long blockCount) {
        if (lba < 0 || blocks < 0 || lba > blockCount || blocks > blockCount - lba) {
            throw CommandFailure.check(Sense.LBA_OUT_OF_RANGE);
        }
    }
}
