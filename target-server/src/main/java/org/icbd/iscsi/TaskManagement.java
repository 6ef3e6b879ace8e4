package org.icbd.iscsi;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Task management functions (RFC 7143 §11.5) over the task sets of the node's sessions: ABORT
 * TASK and ABORT/CLEAR TASK SET in the requesting session, LOGICAL UNIT and TARGET RESET in
 * every session of the target, whichever portal it came through.
 */
final class TaskManagement {

    static final int COMPLETE = 0;
    static final int NO_SUCH_TASK = 1;
    static final int NO_SUCH_LUN = 2;
    static final int NOT_SUPPORTED = 4;
    static final int NOT_SUPPORTED_ACA = 5;
    static final int REJECTED = 255;
    static final int TARGET_COLD_RESET = 7;

    private final SessionRegistry sessions;

    TaskManagement(SessionRegistry sessions) {
        this.sessions = sessions;
    }

    /**
     * Performs {@code t} for normal session {@code s}; the response code completes once the aborted
     * commands no longer touch the medium (or after 30 s).
     */
    CompletableFuture<Integer> perform(Session s, InboundPdu.TaskMgmt t) {
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        int response = switch (t.function()) {
            case 1 -> abortTask(s, t, waits);
            case 2, 4 -> {  // ABORT TASK SET, CLEAR TASK SET
                if (!hasLun(s, t.lun())) yield NO_SUCH_LUN;
                waits.addAll(s.tasks.abortWhere(task -> task.command.lun() == t.lun()));
                yield COMPLETE;
            }
            case 5 -> {  // LOGICAL UNIT RESET: every session's tasks on that LUN
                if (!hasLun(s, t.lun())) yield NO_SUCH_LUN;
                for (Session other : sessions.sessionsOf(s.target)) {
                    waits.addAll(other.tasks.abortWhere(task -> task.command.lun() == t.lun()));
                }
                s.target.scsi().lunReset(t.lun(), s.nexus);
                yield COMPLETE;
            }
            case 6, TARGET_COLD_RESET -> {
                for (Session other : sessions.sessionsOf(s.target)) waits.addAll(other.tasks.abortWhere(task -> true));
                s.target.scsi().targetReset(s.nexus);
                yield COMPLETE;
            }
            case 3 -> NOT_SUPPORTED_ACA;  // CLEAR ACA: ACA is not supported (NACA=0)
            case 8 -> NOT_SUPPORTED;      // TASK REASSIGN: needs ErrorRecoveryLevel 2
            default -> REJECTED;
        };
        if (waits.isEmpty()) return CompletableFuture.completedFuture(response);
        return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
                .orTimeout(30, TimeUnit.SECONDS)
                .handle((v, e) -> response);
    }

    private static boolean hasLun(Session s, long lun) {
        return s.target.scsi().luns().contains(lun);
    }

    private static int abortTask(Session s, InboundPdu.TaskMgmt t, List<CompletableFuture<Void>> waits) {
        ScsiTask task = s.tasks.get(t.referencedTag());
        CompletableFuture<Void> aborted = task == null ? null : s.tasks.abort(task);
        if (aborted != null) {
            waits.add(aborted);
            return COMPLETE;
        }
        // RFC 7143 §11.5.1: a RefCmdSN still inside the window was never received, so the
        // task is as good as aborted; one below ExpCmdSN completed already: it does not exist
        long ahead = Integer.toUnsignedLong(t.refCmdSn() - s.window.expCmdSn());
        long window = Integer.toUnsignedLong(s.window.maxCmdSn() - s.window.expCmdSn());
        return ahead <= window && t.refCmdSn() != t.cmdSn() ? COMPLETE : NO_SUCH_TASK;
    }
}
