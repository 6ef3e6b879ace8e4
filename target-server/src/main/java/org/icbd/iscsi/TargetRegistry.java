package org.icbd.iscsi;

import java.util.List;
import java.util.Optional;

/** The targets a portal serves; may change at run time (LUN map/unmap, failover). */
public interface TargetRegistry {

    Optional<ExportedTarget> find(String iqn);

    List<ExportedTarget> all();

    /**
     * Why logins to {@code target} are refused for now, or empty when they are not: a cluster holds a
     * writable target whose data came from a replication checkpoint until an administrator accepts it.
     */
    default Optional<String> unavailable(ExportedTarget target) {
        return Optional.empty();
    }

    /** Credentials a discovery session must present, or empty when discovery is open. */
    default Optional<ExportedTarget.Credentials> discoveryChap() {
        return Optional.empty();
    }
}
