package org.icbd.iscsi;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One SCSI command in flight in a session: gathering its Data-Out, then executing.
 * Data-Out state is touched only by the connection's reader thread.
 */
final class ScsiTask {
    final InboundPdu.ScsiCommand command;
    final ByteBuffer dataOut;       // null for commands without Data-Out
    final int budgetBytes;          // memory reserved for this task, returned when it ends
    final boolean windowed;         // holds a CmdSN window slot until it completes
    final long startNanos;
    final HashMap<Integer, Burst> bursts = new HashMap<>();  // outstanding R2Ts by TTT
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    /** Set once by whichever comes first, the command's own completion or an abort; the other backs off. */
    private final AtomicBoolean settled = new AtomicBoolean();
    private final AtomicBoolean resourcesReleased = new AtomicBoolean();
    private final AtomicBoolean windowReleased = new AtomicBoolean();
    int received;                   // Data-Out bytes received so far
    int unsolicitedLimit;           // offset up to which the initiator sends unsolicited data
    int nextR2tOffset;
    int outstandingR2t;
    int r2tSn;
    int unsolicitedDataSn;          // next DataSN of the unsolicited sequence
    int unsolicitedNextOffset;      // next offset of the unsolicited sequence (DataPDUInOrder=Yes)
    volatile long lastDataNanos;    // when Data-Out last arrived (or the command, before any)
    volatile boolean executing;
    volatile boolean aborted;

    ScsiTask(InboundPdu.ScsiCommand command, ByteBuffer dataOut, int budgetBytes, boolean windowed, long now) {
        this.command = command;
        this.dataOut = dataOut;
        this.budgetBytes = budgetBytes;
        this.windowed = windowed;
        this.startNanos = now;
        this.lastDataNanos = now;
    }

    /** One solicited burst: what an R2T asked for and how far the Data-Out for it has come. */
    static final class Burst {
        final int offset;
        final int length;
        int nextOffset;
        int nextDataSn;

        Burst(int offset, int length) {
            this.offset = offset;
            this.length = length;
            this.nextOffset = offset;
        }
    }

    /**
     * Returns this task's Data-Out memory and CmdSN window slot, once, whoever calls first
     * (its completion, an abort from another thread, a timeout, or the connection closing).
     */
    void releaseResources(BufferBudget.Share budget, CommandWindow<?> window) {
        if (resourcesReleased.compareAndSet(false, true)) {
            budget.give(budgetBytes);
            releaseWindowOnly(window);
        }
    }

    /** Frees only the window slot (early, before the response is sent); idempotent with the above. */
    void releaseWindowOnly(CommandWindow<?> window) {
        if (windowed && windowReleased.compareAndSet(false, true)) window.completed();
    }

    /** True for the one caller that gets to decide this task's fate. */
    boolean settle() {
        return settled.compareAndSet(false, true);
    }

    int itt() {
        return command.itt();
    }

    boolean allDataReceived() {
        return dataOut == null || received >= command.expectedLength();
    }
}
