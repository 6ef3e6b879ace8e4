package org.icbd.iscsi;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * One SCSI command in flight on a connection: gathering its Data-Out, then executing.
 * Data-Out state is touched only by the connection's reader thread.
 */
final class ScsiTask {
    final InboundPdu.ScsiCommand command;
    final ByteBuffer dataOut;       // null for commands without Data-Out
    final int budgetBytes;          // memory reserved for this task, returned when it ends
    final boolean windowed;         // holds a CmdSN window slot until it completes
    int received;                   // Data-Out bytes received so far
    int unsolicitedLimit;           // offset up to which the initiator sends unsolicited data
    int nextR2tOffset;
    int outstandingR2t;
    int r2tSn;
    int unsolicitedDataSn;          // next DataSN of the unsolicited sequence
    int unsolicitedNextOffset;      // next offset of the unsolicited sequence (DataPDUInOrder=Yes)
    final java.util.HashMap<Integer, Burst> bursts = new java.util.HashMap<>();  // outstanding R2Ts by TTT
    boolean executing;
    volatile boolean aborted;
    /** Set once by whichever comes first, the command's own completion or an abort; the other backs off. */
    private final java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    final long startNanos = System.nanoTime();

    ScsiTask(InboundPdu.ScsiCommand command, ByteBuffer dataOut, int budgetBytes, boolean windowed) {
        this.command = command;
        this.dataOut = dataOut;
        this.budgetBytes = budgetBytes;
        this.windowed = windowed;
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

    private final java.util.concurrent.atomic.AtomicBoolean resourcesReleased = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Returns this task's Data-Out memory and CmdSN window slot, once, whoever calls first
     * (its completion, an abort from another thread, or the connection closing).
     */
    void releaseResources(java.util.concurrent.Semaphore budget, CommandWindow<?> window) {
        if (resourcesReleased.compareAndSet(false, true)) {
            budget.release(budgetBytes);
            releaseWindowOnly(window);
        }
    }

    private final java.util.concurrent.atomic.AtomicBoolean windowReleased = new java.util.concurrent.atomic.AtomicBoolean();

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
