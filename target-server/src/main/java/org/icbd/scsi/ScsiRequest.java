package org.icbd.scsi;

import java.nio.ByteBuffer;

/**
 * One SCSI command as the transport hands it to the command layer.
 *
 * @param nexus          who sent it
 * @param lun            the LUN number (already decoded from the 8-byte LUN field, flat addressing)
 * @param cdb            the CDB (16 bytes, or longer with an AHS), unmodified
 * @param expectedLength the initiator's Expected Data Transfer Length in bytes
 * @param dataOut        for writes: every byte the initiator sent (at most expectedLength), position 0;
 *                       {@code null} for commands without Data-Out
 * @param taskTag        the initiator task tag (for logs and task management)
 * @param attribute      SIMPLE/ORDERED/HEAD_OF_QUEUE/ACA
 */
public record ScsiRequest(Nexus nexus, long lun, byte[] cdb, int expectedLength, ByteBuffer dataOut,
                          long taskTag, TaskAttribute attribute) {
    public int opcode() {
        return cdb[0] & 0xFF;
    }
}
