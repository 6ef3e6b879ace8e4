package org.icbd.iscsi;

import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The session's CmdSN window (RFC 7143 §4.2.2.1). Non-immediate commands are delivered in
 * CmdSN order; a command ahead of a gap is held until the gap fills; one outside the window
 * or a duplicate is dropped silently, as the RFC requires. MaxCmdSN = ExpCmdSN + free slots - 1,
 * where a slot is taken when a command is delivered and freed when it completes, so the window
 * bounds the commands outstanding per session and never shrinks.
 */
public final class CommandWindow<T> {

    public enum Verdict { DELIVER, HOLD, DROP }

    private final ReentrantLock lock = new ReentrantLock();
    private final int depth;
    private final HashMap<Integer, T> held = new HashMap<>();  // keyed by CmdSN
    private int expCmdSn;
    private int active;
    private int maxCmdSn;

    public CommandWindow(int firstCmdSn, int depth) {
        this.depth = depth;
        this.expCmdSn = firstCmdSn;
        this.maxCmdSn = firstCmdSn + depth - 1;
    }

    public int expCmdSn() {
        lock.lock();
        try {
            return expCmdSn;
        } finally {
            lock.unlock();
        }
    }

    public int maxCmdSn() {
        lock.lock();
        try {
            return maxCmdSn;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Offers a non-immediate command. On DELIVER the caller runs it and then everything
     * {@link #drainReady()} returns; on HOLD the window keeps {@code item} for later.
     */
    public Verdict offer(int cmdSn, T item) {
        lock.lock();
        try {
            long ahead = Integer.toUnsignedLong(cmdSn - expCmdSn);
            long window = Integer.toUnsignedLong(maxCmdSn - expCmdSn);
            if (ahead > window) return Verdict.DROP;  // below ExpCmdSN (duplicate) or beyond MaxCmdSN
            if (ahead == 0) {
                expCmdSn++;
                active++;
                return Verdict.DELIVER;
            }
            if (held.containsKey(cmdSn)) return Verdict.DROP;
            held.put(cmdSn, item);
            return Verdict.HOLD;
        } finally {
            lock.unlock();
        }
    }

    /** Commands that became deliverable because the gap before them filled. */
    public List<T> drainReady() {
        lock.lock();
        try {
            List<T> out = new ArrayList<>();
            T next;
            while ((next = held.remove(expCmdSn)) != null) {
                expCmdSn++;
                active++;
                out.add(next);
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** A delivered command finished: its slot frees and MaxCmdSN may advance. */
    public void completed() {
        lock.lock();
        try {
            active--;
            int candidate = expCmdSn + (depth - active) - 1;
            if (candidate - maxCmdSn > 0) maxCmdSn = candidate;
        } finally {
            lock.unlock();
        }
    }
}
