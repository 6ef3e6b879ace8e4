package org.icbd.failover;

import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a standby cannot receive for lack of space (a checkpoint or the write log failed with ENOSPC):
 * said loudly once when it starts, once when a receive succeeds again, and to a listener (the node
 * records it in ZooKeeper for 'icbd replication status').
 */
public final class SpaceAlarm {

    private static final Logger log = LoggerFactory.getLogger(SpaceAlarm.class);

    private final String where;
    private volatile Optional<String> problem = Optional.empty();
    private volatile Consumer<Optional<String>> listener = p -> { };

    /** @param where the data root, for the messages */
    public SpaceAlarm(String where) {
        this.where = where;
    }

    /** Called with the problem when it starts, and with empty when it is over. */
    public void listen(Consumer<Optional<String>> l) {
        listener = l;
        l.accept(problem);
    }

    /** The space problem, if receiving fails for lack of it now. */
    public Optional<String> problem() {
        return problem;
    }

    /** A receive failed: an alarm if for lack of space. */
    public synchronized void failed(Throwable e) {
        if (!noSpace(e) || problem.isPresent()) return;
        problem = Optional.of("cannot receive: no space left in " + where + " (" + e.getMessage() + ")");
        log.error("{}; this standby cannot stay in sync. Free space: 'icbd cluster diverged list|delete', or grow the file system",
                problem.get());
        listener.accept(problem);
    }

    /** A receive succeeded: the alarm, if any, is over. */
    public synchronized void succeeded() {
        if (problem.isEmpty()) return;
        problem = Optional.empty();
        log.info("receiving into {} works again", where);
        listener.accept(problem);
    }

    static boolean noSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("ENOSPC"))) return true;
        }
        return false;
    }
}
