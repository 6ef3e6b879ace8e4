package org.icbd.config;

import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

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

    /** This target with only the LUNs {@code keep} accepts (same name, alias and access). */
    public TargetConfig part(Predicate<LunConfig> keep) {
        return new TargetConfig(iqn, alias, luns.stream().filter(keep).toList(), chap, mutualChap, allowedInitiators);
    }

    /** This target with only the LUNs whose files are here (in a cluster, the others arrive by replication). */
    public TargetConfig presentPart() {
        return part(l -> Files.exists(l.path()));
    }

    /** This target with its read-only LUNs only. */
    public TargetConfig readOnlyPart() {
        return part(LunConfig::readOnly);
    }
}
