package org.icbd.scsi;

import java.util.concurrent.atomic.AtomicInteger;
import org.icbd.storage.BlockDevice;

/** One LUN: its storage and the SCSI state that belongs to it (reservations, unit attentions, write ordering). */
public final class LogicalUnit {

    private final long number;
    private final BlockDevice device;
    private final UnitAttentions unitAttentions = new UnitAttentions();
    private final ReservationState reservations = new ReservationState(unitAttentions);
    private final RangeLock rangeLock = new RangeLock();
    private final ModePages modePages = new ModePages();
    /** Commands running on this unit, so an unmapped unit closes its device only after they ended. */
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean removed;

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

    /** Counts a command in; false once the unit was removed (the command must then not touch the device). */
    boolean enter() {
        running.incrementAndGet();
        if (!removed) return true;
        running.decrementAndGet();
        return false;
    }

    void exit() {
        running.decrementAndGet();
    }

    /**
     * Refuses new commands and waits up to {@code timeoutMillis} for those running to end.
     *
     * @return true when none runs any more
     */
    boolean retire(long timeoutMillis) throws InterruptedException {
        removed = true;
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (running.get() > 0) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(1);
        }
        return true;
    }
}
