package org.icbd.scsi;

/**
 * How the command layer asks the transport to abort tasks it cannot reach itself:
 * PERSISTENT RESERVE OUT with PREEMPT AND ABORT aborts every task of the preempted nexuses
 * on the logical unit (SPC-4 5.12.11.2.5). The transport registers one with
 * {@link LogicalUnitSet#setTaskAborter}; without one, the preemption still happens and only
 * the abort is skipped.
 */
@FunctionalInterface
public interface TaskAborter {
    void abortTasks(long lun, Nexus nexus);
}
