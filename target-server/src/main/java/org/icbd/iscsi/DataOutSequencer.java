package org.icbd.iscsi;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Gathers a write's data (RFC 7143 §4.7): the unsolicited part up to FirstBurstLength, then R2Ts of
 * at most MaxBurstLength, at most MaxOutstandingR2T at a time, each answered by Data-Out PDUs
 * checked against the sequence they belong to. Runs on the connection's reader only.
 */
final class DataOutSequencer {

    private final AtomicInteger nextTtt = new AtomicInteger(1);
    private final Consumer<OutboundPdu> send;

    DataOutSequencer(Consumer<OutboundPdu> send) {
        this.send = send;
    }

    /** A fresh Target Transfer Tag (never the reserved 0xffffffff); pings draw from the same counter. */
    int nextTtt() {
        int t = nextTtt.getAndIncrement();
        if (t == Opcode.NO_TAG) t = nextTtt.getAndIncrement();
        return t;
    }

    /** A write arrived with its immediate data (already in the task's buffer): solicit the rest. */
    void begin(ScsiTask task, OperationalParameters p) {
        InboundPdu.ScsiCommand c = task.command;
        int imm = c.immediateData().length;
        int edtl = c.expectedLength();
        task.received = imm;
        task.unsolicitedNextOffset = imm;
        int limit = c.fin() || p.initialR2T() ? imm : Math.min(p.firstBurstLength(), edtl);
        task.unsolicitedLimit = Math.max(limit, imm);
        task.nextR2tOffset = task.unsolicitedLimit;
        issueR2ts(task, p);
    }

    /**
     * Places a Data-Out in its task's buffer and solicits more when a burst ended; returns what
     * is wrong with it instead (then nothing was placed).
     */
    String accept(ScsiTask task, InboundPdu.DataOut d, OperationalParameters p) {
        int off = d.bufferOffset();
        int len = d.data().length;
        String violation = violation(task, d, off, len);
        if (violation != null) return violation;
        task.dataOut.put(off, d.data());
        task.received += len;
        if (d.ttt() != Opcode.NO_TAG && d.fin()) {
            task.bursts.remove(d.ttt());
            task.outstandingR2t--;
            issueR2ts(task, p);
        }
        return null;
    }

    private void issueR2ts(ScsiTask task, OperationalParameters p) {
        int edtl = task.command.expectedLength();
        while (task.outstandingR2t < p.maxOutstandingR2T() && task.nextR2tOffset < edtl) {
            int len = Math.min(p.maxBurstLength(), edtl - task.nextR2tOffset);
            int ttt = nextTtt();
            task.bursts.put(ttt, new ScsiTask.Burst(task.nextR2tOffset, len));
            send.accept(Responses.r2t(task.command, ttt, task.r2tSn++, task.nextR2tOffset, len));
            task.nextR2tOffset += len;
            task.outstandingR2t++;
        }
    }

    /** Checks a Data-Out against the sequence it belongs to; returns what is wrong, or null. */
    private static String violation(ScsiTask task, InboundPdu.DataOut d, int off, int len) {
        if (d.ttt() == Opcode.NO_TAG) {
            if (d.dataSn() != task.unsolicitedDataSn) return "unsolicited DataSN " + d.dataSn() + ", expected " + task.unsolicitedDataSn;
            if (off != task.unsolicitedNextOffset) return "unsolicited offset " + off + ", expected " + task.unsolicitedNextOffset;
            if (len > task.unsolicitedLimit - off) return "unsolicited data beyond FirstBurstLength";
            task.unsolicitedDataSn++;
            task.unsolicitedNextOffset += len;
            return null;
        }
        ScsiTask.Burst b = task.bursts.get(d.ttt());
        if (b == null) return "TTT 0x" + Integer.toHexString(d.ttt()) + " matches no outstanding R2T";
        if (d.dataSn() != b.nextDataSn) return "DataSN " + d.dataSn() + ", expected " + b.nextDataSn;
        if (off != b.nextOffset) return "offset " + off + ", expected " + b.nextOffset;
        if (len > b.offset + b.length - off) return "more data than the R2T asked for";
        b.nextDataSn++;
        b.nextOffset += len;
        if (d.fin() && b.nextOffset != b.offset + b.length) return "burst ended short of the R2T's length";
        return null;
    }
}
