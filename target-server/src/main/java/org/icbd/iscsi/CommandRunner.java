package org.icbd.iscsi;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.icbd.scsi.ScsiRequest;
import org.icbd.scsi.ScsiResponse;
import org.icbd.scsi.Sense;
import org.icbd.scsi.SenseData;
import org.icbd.scsi.TaskAttribute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SCSI commands of one session: admits each (budget, task set), gathers its Data-Out, runs it
 * on a virtual thread against the target's command layer and sends the response. Every way a task
 * ends (completion, refusal, abort, Data-Out timeout, an exception or running out of memory) sends
 * at most one response and returns the buffer and window slot the task held.
 */
final class CommandRunner {

    private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);

    private final Session session;
    private final SessionRegistry sessions;
    private final DataOutSequencer sequencer;
    private final Consumer<OutboundPdu> send;
    private final LongSupplier clock;
    private final String peer;
    private final IscsiSettings settings;

    CommandRunner(Session session, SessionRegistry sessions, DataOutSequencer sequencer, Consumer<OutboundPdu> send,
                  LongSupplier clock, String peer) {
        this.session = session;
        this.sessions = sessions;
        this.sequencer = sequencer;
        this.send = send;
        this.clock = clock;
        this.peer = peer;
        this.settings = sessions.settings();
    }

    /** A command whose CmdSN turn has come (on the reader thread). */
    void submit(InboundPdu.ScsiCommand c, boolean windowed) {
        Session s = session;
        if (s.isDiscovery()) {
            sessions.metrics().reject();
            send.accept(Responses.reject(c.bhs(), RejectReason.PROTOCOL_ERROR));  // no SCSI in a discovery session
            if (windowed) s.window.completed();
            return;
        }
        if (s.tasks.contains(c.itt())) {
            sessions.metrics().reject();
            send.accept(Responses.reject(c.bhs(), RejectReason.TASK_IN_PROGRESS));
            if (windowed) s.window.completed();
            return;
        }
        if (c.read() && c.write()) {
            respondDirect(c, checkCondition(Sense.INVALID_FIELD_IN_CDB), windowed);
            return;
        }
        int edtl = c.expectedLength();
        if (edtl > settings.maxCommandBytes()) {
            // larger than the Block Limits VPD allows: refuse before holding any of its data
            respondDirect(c, checkCondition(Sense.INVALID_FIELD_IN_CDB), windowed);
            return;
        }
        ByteBuffer dataOut = null;
        if (c.write() && edtl > 0) {
            if (!s.tasks.budget().tryTake(edtl)) {
                respondDirect(c, ScsiResponse.status(ScsiResponse.TASK_SET_FULL), windowed);
                return;
            }
            // a write whose immediate data is all of it (the common small write) needs no second buffer
            byte[] imm = c.immediateData();
            if (imm.length == edtl) {
                dataOut = ByteBuffer.wrap(imm);
            } else {
                dataOut = ByteBuffer.allocate(edtl);
                dataOut.put(0, imm);
            }
        }
        ScsiTask task = new ScsiTask(c, dataOut, dataOut == null ? 0 : edtl, windowed, clock.getAsLong());
        s.tasks.add(task);
        if (dataOut != null) sequencer.begin(task, s.params);
        if (task.allDataReceived()) startExecution(task);
    }

    /** Data-Out for a write being gathered (on the reader thread). */
    void dataOut(InboundPdu.DataOut d) {
        Session s = session;
        ScsiTask task = s.tasks.get(d.itt());
        if (task == null || task.executing || task.dataOut == null) {
            // data for an aborted, timed out or refused command: drop it, the initiator learns from the status
            return;
        }
        task.lastDataNanos = clock.getAsLong();
        String violation = sequencer.accept(task, d, s.params);
        if (violation != null) {
            // ErrorRecoveryLevel 0 cannot repair a data sequence; failing just this command keeps the
            // session (and every other command in it) alive, and its remaining Data-Out is dropped
            log.info("{}: Data-Out for ITT 0x{}: {}; failing the command", peer, Integer.toHexString(d.itt()), violation);
            failGathering(task, Sense.DATA_PHASE_ERROR);
            return;
        }
        if (task.allDataReceived()) startExecution(task);
    }

    /** Fails the writes whose Data-Out stopped coming {@code data-out-timeout} ago (on the ticker). */
    void expireStalledWrites(long now) {
        Duration timeout = settings.dataOutTimeout();
        for (ScsiTask task : session.tasks.stalled(now, timeout)) {
            log.info("{}: no Data-Out for ITT 0x{} in {} s (data-out-timeout); failing the command", peer,
                    Integer.toHexString(task.itt()), timeout.toSeconds());
            failGathering(task, Sense.INITIATOR_RESPONSE_TIMEOUT);
        }
    }

    /** Ends a write that is still gathering data with CHECK CONDITION {@code sense}. */
    private void failGathering(ScsiTask task, Sense sense) {
        CompletableFuture<Void> stopped = session.tasks.abort(task);
        if (stopped == null) return;  // completed meanwhile: its own response is on its way
        // not executing: stopped at once; executing (its last Data-Out just came): once its command returns
        stopped.thenRun(() -> sendAll(task.command, checkCondition(sense)));
    }

    private void startExecution(ScsiTask task) {
        task.executing = true;
        if (session.tasks.size() == 1 && !task.command.write()) {
            // the only command in flight (a booting client at queue depth 1): run it here, on the reader,
            // and save the hand-off to a new thread, which costs as much as a cached 4 KiB read
            run(task);
            return;
        }
        try {
            Thread.ofVirtual().name("scsi-" + Integer.toHexString(task.itt())).start(() -> run(task));
        } catch (RuntimeException | OutOfMemoryError e) {
            log.warn("{}: cannot start ITT 0x{}: {}", peer, Integer.toHexString(task.itt()), e.toString());
            finish(task, checkCondition(Sense.INTERNAL_TARGET_FAILURE), 0);
        }
    }

    private void run(ScsiTask task) {
        Session s = session;
        InboundPdu.ScsiCommand c = task.command;
        int readBudget = 0;
        if (task.aborted) {  // aborted between its last Data-Out and its start: never touch the medium
            finish(task, null, 0);
            return;
        }
        try {
            if (c.read() && c.expectedLength() > 0) {
                if (!s.tasks.budget().take(c.expectedLength(), settings.sendTimeout())) {
                    finish(task, ScsiResponse.status(ScsiResponse.TASK_SET_FULL), 0);
                    return;
                }
                readBudget = c.expectedLength();
            }
            ByteBuffer dataOut = task.dataOut;
            if (dataOut != null) dataOut.limit(Math.min(task.received, c.expectedLength())).position(0);
            ScsiRequest req = new ScsiRequest(s.nexus, c.lun(), c.cdb(), c.expectedLength(), dataOut, c.itt(),
                    TaskAttribute.fromIscsi(c.attribute()));
            ScsiResponse r;
            try {
                r = s.target.scsi().execute(req);
            } catch (RuntimeException e) {
                log.error("{}: SCSI layer failed on opcode 0x{}", peer, Integer.toHexString(req.opcode()), e);
                r = checkCondition(Sense.INTERNAL_TARGET_FAILURE);
            }
            int sent = r.dataIn() == null ? 0 : Math.min(r.dataIn().remaining(), c.expectedLength());
            sessions.metrics().command(c.cdb()[0] & 0xFF, clock.getAsLong() - task.startNanos,
                    c.read() ? sent : 0, c.write() ? task.received : 0);
            finish(task, r, readBudget);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finish(task, null, readBudget);
        } catch (OutOfMemoryError e) {
            log.warn("{}: out of memory running ITT 0x{}; failing the command", peer, Integer.toHexString(c.itt()));
            finish(task, checkCondition(Sense.INTERNAL_TARGET_FAILURE), readBudget);
        } catch (RuntimeException e) {
            log.error("{}: task failed", peer, e);
            finish(task, checkCondition(Sense.INTERNAL_TARGET_FAILURE), readBudget);
        }
    }

    private void finish(ScsiTask task, ScsiResponse r, int readBudget) {
        Session s = session;
        boolean mine = task.settle();
        s.tasks.remove(task);
        BufferBudget.Share budget = s.tasks.budget();
        if (r == null || !mine) {
            s.tasks.release(task);
            budget.give(readBudget);
            task.finished.complete(null);
            return;
        }
        // the window slot frees before the response leaves, so the response already carries the wider window
        task.releaseWindowOnly(s.window);
        try {
            var pdus = Responses.scsi(task.command, r, s.params.initiatorMaxRecvDataSegmentLength(), s.params.maxBurstLength());
            pdus.getLast().afterSend(() -> {
                s.tasks.release(task);
                budget.give(readBudget);
            });
            for (OutboundPdu p : pdus) send.accept(p);
        } finally {
            task.finished.complete(null);
        }
    }

    /** A command refused before it became a task: answer and free its window slot. */
    private void respondDirect(InboundPdu.ScsiCommand c, ScsiResponse r, boolean windowed) {
        if (windowed) session.window.completed();
        sendAll(c, r);
    }

    private void sendAll(InboundPdu.ScsiCommand c, ScsiResponse r) {
        Session s = session;
        for (OutboundPdu p : Responses.scsi(c, r, s.params.initiatorMaxRecvDataSegmentLength(), s.params.maxBurstLength())) {
            send.accept(p);
        }
    }

    private static ScsiResponse checkCondition(Sense sense) {
        return ScsiResponse.checkCondition(SenseData.of(sense));
    }
}
