package org.icbd.iscsi;

import java.util.List;
import java.util.Optional;

/** The targets a portal serves; may change at run time (LUN map/unmap, failover). */
public interface TargetRegistry {

    Optional<ExportedTarget> find(String iqn);

    List<ExportedTarget> all();

    /** Credentials a discovery session must present, or empty when discovery is open. */
    default Optional<ExportedTarget.Credentials> discoveryChap() {
        return Optional.empty();
    }
}
