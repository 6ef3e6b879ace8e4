package org.icbd.scsi;

/**
 * An I_T nexus: one initiator port (initiator name + ISID) talking to one target port.
 * Reservations and unit attentions are kept per nexus.
 *
 * @param initiatorName IQN of the initiator
 * @param isid          the 6-byte session id as 12 hex digits
 * @param targetName    IQN of the target
 * @param tpgt          target portal group tag
 */
public record Nexus(String initiatorName, String isid, String targetName, int tpgt) {
    /** The SCSI initiator port name, as SPC-4 spells it for iSCSI. */
    public String initiatorPort() {
        return initiatorName + ",i,0x" + isid;
    }

    public String targetPort() {
        return targetName + ",t,0x" + String.format("%04x", tpgt);
    }
}
