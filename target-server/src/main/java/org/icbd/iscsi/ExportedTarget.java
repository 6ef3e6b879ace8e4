package org.icbd.iscsi;

import java.util.List;
import java.util.Optional;
import org.icbd.scsi.ScsiTarget;

/**
 * A target as the iSCSI transport sees it: its name, its command layer, and who may log in.
 *
 * @param iqn               target name
 * @param alias             TargetAlias (may be empty)
 * @param scsi              the command layer serving its LUNs
 * @param chap              credentials the initiator must prove (one-way CHAP), or empty for none
 * @param mutualChap        credentials the target proves to the initiator (mutual CHAP), or empty
 * @param allowedInitiators initiator IQNs allowed to log in and to see the target in discovery;
 *                          empty means every initiator
 */
public record ExportedTarget(String iqn, String alias, ScsiTarget scsi, Optional<Credentials> chap,
                             Optional<Credentials> mutualChap, List<String> allowedInitiators) {

    public ExportedTarget {
        allowedInitiators = List.copyOf(allowedInitiators);
    }

    public boolean admits(String initiatorName) {
        return allowedInitiators.isEmpty() || allowedInitiators.stream().anyMatch(a -> a.equalsIgnoreCase(initiatorName));
    }

    /** A CHAP user name and secret. */
    public record Credentials(String user, String secret) {
    }
}
