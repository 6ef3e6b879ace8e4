package org.icbd.scsi;

/**
 * A sense key with its additional sense code and qualifier (SPC-4 4.5.6). The constants are the
 * conditions this target reports; the fixed-format bytes are built by {@link SenseData}.
 */
public record Sense(int key, int asc, int ascq) {

    public static final int KEY_NO_SENSE = 0x0;
    public static final int KEY_NOT_READY = 0x2;
    public static final int KEY_MEDIUM_ERROR = 0x3;
    public static final int KEY_HARDWARE_ERROR = 0x4;
    public static final int KEY_ILLEGAL_REQUEST = 0x5;
    public static final int KEY_UNIT_ATTENTION = 0x6;
    public static final int KEY_DATA_PROTECT = 0x7;
    public static final int KEY_ABORTED_COMMAND = 0xB;
    public static final int KEY_MISCOMPARE = 0xE;

    public static final Sense NO_SENSE = new Sense(KEY_NO_SENSE, 0x00, 0x00);

    public static final Sense INVALID_FIELD_IN_IU = new Sense(KEY_ILLEGAL_REQUEST, 0x0E, 0x03);
    public static final Sense PARAMETER_LIST_LENGTH_ERROR = new Sense(KEY_ILLEGAL_REQUEST, 0x1A, 0x00);
    public static final Sense INVALID_OPCODE = new Sense(KEY_ILLEGAL_REQUEST, 0x20, 0x00);
    public static final Sense LBA_OUT_OF_RANGE = new Sense(KEY_ILLEGAL_REQUEST, 0x21, 0x00);
    public static final Sense INVALID_FIELD_IN_CDB = new Sense(KEY_ILLEGAL_REQUEST, 0x24, 0x00);
    public static final Sense LUN_NOT_SUPPORTED = new Sense(KEY_ILLEGAL_REQUEST, 0x25, 0x00);
    public static final Sense INVALID_FIELD_IN_PARAMETER_LIST = new Sense(KEY_ILLEGAL_REQUEST, 0x26, 0x00);
    public static final Sense INVALID_RELEASE_OF_PR = new Sense(KEY_ILLEGAL_REQUEST, 0x26, 0x04);
    public static final Sense SAVING_PARAMETERS_NOT_SUPPORTED = new Sense(KEY_ILLEGAL_REQUEST, 0x39, 0x00);
    public static final Sense INSUFFICIENT_REGISTRATION_RESOURCES = new Sense(KEY_ILLEGAL_REQUEST, 0x55, 0x04);

    public static final Sense POWER_ON_RESET = new Sense(KEY_UNIT_ATTENTION, 0x29, 0x00);
    public static final Sense BUS_DEVICE_RESET = new Sense(KEY_UNIT_ATTENTION, 0x29, 0x03);
    public static final Sense I_T_NEXUS_LOSS = new Sense(KEY_UNIT_ATTENTION, 0x29, 0x07);
    public static final Sense MODE_PARAMETERS_CHANGED = new Sense(KEY_UNIT_ATTENTION, 0x2A, 0x01);
    public static final Sense RESERVATIONS_PREEMPTED = new Sense(KEY_UNIT_ATTENTION, 0x2A, 0x03);
    public static final Sense RESERVATIONS_RELEASED = new Sense(KEY_UNIT_ATTENTION, 0x2A, 0x04);
    public static final Sense REGISTRATIONS_PREEMPTED = new Sense(KEY_UNIT_ATTENTION, 0x2A, 0x05);
    public static final Sense COMMANDS_CLEARED_BY_ANOTHER_INITIATOR = new Sense(KEY_UNIT_ATTENTION, 0x2F, 0x00);
    public static final Sense REPORTED_LUNS_DATA_CHANGED = new Sense(KEY_UNIT_ATTENTION, 0x3F, 0x0E);

    public static final Sense WRITE_PROTECTED = new Sense(KEY_DATA_PROTECT, 0x27, 0x00);
    /** The pool under a thin LUN is full (SBC-4): the initiator may retry once space was freed. */
    public static final Sense SPACE_ALLOCATION_FAILED_WRITE_PROTECT = new Sense(KEY_DATA_PROTECT, 0x27, 0x07);
    public static final Sense SOFTWARE_WRITE_PROTECTED = new Sense(KEY_DATA_PROTECT, 0x27, 0x02);
    public static final Sense UNRECOVERED_READ_ERROR = new Sense(KEY_MEDIUM_ERROR, 0x11, 0x00);
    public static final Sense WRITE_ERROR = new Sense(KEY_MEDIUM_ERROR, 0x0C, 0x00);
    public static final Sense INTERNAL_TARGET_FAILURE = new Sense(KEY_HARDWARE_ERROR, 0x44, 0x00);
    /** A command undone because of a passing failure (the initiator retries ABORTED COMMAND). */
    public static final Sense ABORTED_INTERNAL_FAILURE = new Sense(KEY_ABORTED_COMMAND, 0x44, 0x00);
    /** Data-Out that does not fit its sequence (offset, DataSN, length). */
    public static final Sense DATA_PHASE_ERROR = new Sense(KEY_ABORTED_COMMAND, 0x4B, 0x00);
    /** The initiator stopped sending the Data-Out of a write. */
    public static final Sense INITIATOR_RESPONSE_TIMEOUT = new Sense(KEY_ABORTED_COMMAND, 0x4B, 0x06);
    public static final Sense MISCOMPARE_DURING_VERIFY = new Sense(KEY_MISCOMPARE, 0x1D, 0x00);

    public Sense {
        if ((key & ~0xF) != 0 || (asc & ~0xFF) != 0 || (ascq & ~0xFF) != 0) {
            throw new IllegalArgumentException("sense out of range: " + key + "/" + asc + "/" + ascq);
        }
    }

    @Override
    public String toString() {
        return String.format("Sense[key=0x%X asc=0x%02X ascq=0x%02X]", key, asc, ascq);
    }
}
