package org.icbd.scsi;

import java.nio.ByteBuffer;

/**
 * What the command layer answers.
 *
 * @param status          SCSI status byte (GOOD 0x00, CHECK CONDITION 0x02, RESERVATION CONFLICT 0x18, ...)
 * @param sense           fixed-format sense data, or {@code null}
 * @param dataIn          data for the initiator (position 0, limit = length), or {@code null}; the transport
 *                        sends at most the Expected Data Transfer Length and reports the rest as overflow
 * @param transferLength  bytes the command itself wanted to move (from the CDB: data-in length for reads,
 *                        data-out length for writes), or -1 when it moves none/unknown; the transport
 *                        derives residual underflow/overflow from this and the initiator's expectation
 */
public record ScsiResponse(int status, byte[] sense, ByteBuffer dataIn, long transferLength) {

    public static final int GOOD = 0x00;
    public static final int CHECK_CONDITION = 0x02;
    public static final int CONDITION_MET = 0x04;
    public static final int BUSY = 0x08;
    public static final int RESERVATION_CONFLICT = 0x18;
    public static final int TASK_SET_FULL = 0x28;
    public static final int TASK_ABORTED = 0x40;

    public static ScsiResponse good() {
        return new ScsiResponse(GOOD, null, null, -1);
    }

    public static ScsiResponse good(ByteBuffer dataIn) {
        return new ScsiResponse(GOOD, null, dataIn, dataIn.remaining());
    }

    public static ScsiResponse goodWrite(long bytesWanted) {
        return new ScsiResponse(GOOD, null, null, bytesWanted);
    }

    public static ScsiResponse checkCondition(byte[] sense) {
        return new ScsiResponse(CHECK_CONDITION, sense, null, -1);
    }

    public static ScsiResponse status(int status) {
        return new ScsiResponse(status, null, null, -1);
    }
}
