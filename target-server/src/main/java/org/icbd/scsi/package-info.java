/**
 * The SCSI command layer (SPC-4 / SBC-3) between the iSCSI transport and the block devices.
 *
 * <p>How a command flows: {@link org.icbd.scsi.LogicalUnitSet#execute} finds the
 * {@link org.icbd.scsi.LogicalUnit}, asks the {@link org.icbd.scsi.CommandTable} for the
 * {@link org.icbd.scsi.CommandDescriptor} of the opcode (and service action), reports a pending
 * unit attention, checks the reservation, and runs the handler. Handlers throw
 * {@link org.icbd.scsi.CommandFailure} for anything the initiator got wrong; the dispatcher turns
 * it, and I/O errors, into fixed-format sense data, so {@code execute} never throws.
 *
 * <p>Why it is shaped this way:
 * <ul>
 *   <li>One table drives both dispatch and REPORT SUPPORTED OPERATION CODES, so the report
 *       cannot drift from what runs.</li>
 *   <li>The hot path (READ/WRITE) takes no LUN-wide lock: unit attentions and reservations are
 *       checked with lock-free reads, and writes take a striped {@link org.icbd.scsi.RangeLock}
 *       shared, which only COMPARE AND WRITE and ORWRITE take exclusive.</li>
 *   <li>All reservation state of a LUN is in {@link org.icbd.scsi.ReservationState} and exports
 *       to a plain {@link org.icbd.scsi.ReservationSnapshot}, so failover can move it.</li>
 *   <li>Parsers ({@link org.icbd.scsi.ReadWriteCdb}, UNMAP and PROUT parameter lists, MODE SELECT)
 *       do no I/O and are tested with bytes.</li>
 *   <li>Allocation-length commands return at most the allocation length and say that is all
 *       they move (no residual overflow); READ returns the whole transfer the CDB asks for and
 *       the transport truncates to the expected length and reports the overflow.</li>
 * </ul>
 */
package org.icbd.scsi;
