package org.icbd.scsi;

import org.icbd.storage.BlockDevice;

/** One LUN: its storage and the SCSI state that belongs to it (reservations, unit attentions, write ordering). */
public final class LogicalUnit {

    private final long number;
    private final BlockDevice device;
    private final UnitAttentions unitAttentions = new UnitAttentions();
    private final ReservationState reservations = new ReservationState(unitAttentions);
    private final RangeLock rangeLock = new RangeLock();
    private final ModePages modePages = new ModePages();

    public LogicalUnit(long number, BlockDevice device) {
        this.number = number;
        this.device = device;
    }

    public long number() {
        return number;
    }

    public BlockDevice device() {
        return device;
    }

    public UnitAttentions unitAttentions() {
        return unitAttentions;
    }

    public ReservationState reservations() {
        return reservations;
    }

    public RangeLock rangeLock() {
        return rangeLock;
    }

    public ModePages modePages() {
        return modePages;
    }

    public int blockSize() {
        return device.blockSize();
    }

    public long blockCount() {
        return device.blockCount();
    }
}
