package org.icbd.scsi;

import java.util.SortedSet;

/**
 * The command layer of one iSCSI target: its logical units, reservations and unit attentions.
 * The transport calls it from many virtual threads at once.
 */
public interface ScsiTarget {

    /** The highest LUN number: flat space addressing (SAM-5 4.7.7) has 14 bits; below 256 we use peripheral addressing. */
    long MAX_LUN = 16383;

    /** Executes one command and returns its status; never throws for bad input (that is sense data). */
    ScsiResponse execute(ScsiRequest request);

    /** Numbers of the LUNs that exist (for REPORT LUNS and logging). */
    SortedSet<Long> luns();

    /** The transport aborted every task of {@code lun} (LUN RESET): clear state, raise unit attentions. */
    void lunReset(long lun, Nexus requester);

    /** TARGET WARM/COLD RESET. */
    void targetReset(Nexus requester);

    /** A nexus logged in (may raise a unit attention for it). */
    void nexusAdded(Nexus nexus);

    /** A nexus is gone (logout, connection loss, session reinstatement). */
    void nexusRemoved(Nexus nexus);

    /** Lets the command layer abort another nexus's tasks (PREEMPT AND ABORT); the transport installs it. */
    default void setTaskAborter(TaskAborter aborter) {
    }
}
