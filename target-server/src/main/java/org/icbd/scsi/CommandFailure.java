package org.icbd.scsi;

/**
 * Ends a command early with a status other than GOOD. Handlers throw it from deep inside
 * parsing and checking code so every exit path yields well-formed sense data; it carries no
 * stack trace because it is ordinary control flow, not a bug.
 */
public final class CommandFailure extends RuntimeException {

    private final int status;
    private final byte[] sense;

    private CommandFailure(int status, byte[] sense) {
        super(null, null, false, false);
        this.status = status;
        this.sense = sense;
    }

    public static CommandFailure check(Sense sense) {
        return new CommandFailure(ScsiResponse.CHECK_CONDITION, SenseData.of(sense));
    }

    public static CommandFailure check(byte[] senseBytes) {
        return new CommandFailure(ScsiResponse.CHECK_CONDITION, senseBytes);
    }

    /** INVALID FIELD IN CDB pointing at the offending byte. */
    public static CommandFailure invalidCdbField(int byteIndex, int bit) {
        return check(SenseData.withFieldPointer(Sense.INVALID_FIELD_IN_CDB, true, byteIndex, bit));
    }

    /** INVALID FIELD IN PARAMETER LIST pointing at the offending byte. */
    public static CommandFailure invalidParameter(int byteIndex, int bit) {
        return check(SenseData.withFieldPointer(Sense.INVALID_FIELD_IN_PARAMETER_LIST, false, byteIndex, bit));
    }

    public static CommandFailure reservationConflict() {
        return new CommandFailure(ScsiResponse.RESERVATION_CONFLICT, null);
    }

    public int status() {
        return status;
    }

    public byte[] sense() {
        return sense;
    }

    public ScsiResponse toResponse(long transferLength) {
        return new ScsiResponse(status, sense, null, transferLength);
    }

    @Override
    public String getMessage() {
        return sense == null ? "status 0x" + Integer.toHexString(status) : SenseData.decode(sense).toString();
    }
}
