package org.icbd.scsi;

public enum TaskAttribute {
    UNTAGGED, SIMPLE, ORDERED, HEAD_OF_QUEUE, ACA;

    /** From the 3-bit ATTR field of an iSCSI SCSI Command PDU. */
    public static TaskAttribute fromIscsi(int attr) {
        return switch (attr & 7) {
            case 0 -> UNTAGGED;
            case 1 -> SIMPLE;
            case 2 -> ORDERED;
            case 3 -> HEAD_OF_QUEUE;
            case 4 -> ACA;
            default -> SIMPLE;
        };
    }
}
