package org.icbd.iscsi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A session's tasks in flight, by ITT. Whatever ends a task (its completion, an abort, a timeout,
 * the connection going away) returns the buffer and window slot it holds, exactly once.
 */
final class TaskSet {
    private final ConcurrentHashMap<Integer, ScsiTask> tasks = new ConcurrentHashMap<>();
    private final BufferBudget.Share budget;
    private final CommandWindow<?> window;

    TaskSet(BufferBudget.Share budget, CommandWindow<?> window) {
        this.budget = budget;
        this.window = window;
    }

    /** False when a task with the same ITT is still in progress. */
    boolean add(ScsiTask task) {
        return tasks.putIfAbsent(task.itt(), task) == null;
    }

    boolean contains(int itt) {
        return tasks.containsKey(itt);
    }

    ScsiTask get(int itt) {
        return tasks.get(itt);
    }

    int size() {
        return tasks.size();
    }

    /** The task ended by its own completion: it leaves the set (its buffer goes once its reply is sent). */
    void remove(ScsiTask task) {
        tasks.remove(task.itt(), task);
    }

    void release(ScsiTask task) {
        task.releaseResources(budget, window);
    }

    BufferBudget.Share budget() {
        return budget;
    }

    /**
     * Aborts a task unless it already completed (then null: its response is on its way). A task
     * not yet executing ends here; one executing ends when its command returns (the future).
     */
    CompletableFuture<Void> abort(ScsiTask task) {
        if (!task.settle()) return null;
        task.aborted = true;
        if (!task.executing && tasks.remove(task.itt(), task)) {
            // never started: nothing touches the medium; free its slot and buffer now
            release(task);
            task.finished.complete(null);
        }
        return task.finished;
    }

    /** Aborts the matching tasks; the futures complete when each has stopped. */
    List<CompletableFuture<Void>> abortWhere(Predicate<ScsiTask> which) {
        List<CompletableFuture<Void>> out = new ArrayList<>();
        for (ScsiTask task : tasks.values()) {
            if (which.test(task)) {
                CompletableFuture<Void> f = abort(task);
                if (f != null) out.add(f);
            }
        }
        return out;
    }

    /** Writes still waiting for Data-Out that has not moved since {@code timeout} before {@code now}. */
    List<ScsiTask> stalled(long now, Duration timeout) {
        List<ScsiTask> out = new ArrayList<>();
        for (ScsiTask t : tasks.values()) {
            if (!t.executing && t.dataOut != null && now - t.lastDataNanos > timeout.toNanos()) out.add(t);
        }
        return out;
    }

    /** Waits for the executing tasks; returns the ITTs of those still running at the deadline. */
    List<Integer> awaitExecuting(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Integer> late = new ArrayList<>();
        for (ScsiTask t : tasks.values()) {
            if (!t.executing) continue;
            try {
                t.finished.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                late.add(t.itt());
            }
        }
        return late;
    }
}
