package org.icbd.config;

import java.nio.file.Files;
import java.util.List;
import java.util.Optional;

/**
 * One iSCSI target: its name, LUNs and who may log in.
 *
 * @param allowedInitiators initiator names admitted; empty admits every initiator
 */
public record TargetConfig(String iqn, String alias, List<LunConfig> luns, Optional<ChapConfig> chap,
                           Optional<ChapConfig> mutualChap, List<String> allowedInitiators) {

    public TargetConfig {
        luns = List.copyOf(luns);
        allowedInitiators = List.copyOf(allowedInitiators);
    }

    /** This target with its read-only LUNs only. */
    /** This target with only the LUNs whose files are here (in a cluster, the others arrive by replication). */
    public TargetConfig presentPart() {
        return new TargetConfig(iqn, alias, luns.stream().filter(l -> Files.exists(l.path())).toList(), chap,
                mutualChap, allowedInitiators);
    }

    public TargetConfig readOnlyPart() {
        return new TargetConfig(iqn, alias, luns.stream().filter(LunConfig::readOnly).toList(), chap, mutualChap, allowedInitiators);
    }
}
