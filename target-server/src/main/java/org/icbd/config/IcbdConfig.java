package org.icbd.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.icbd.iscsi.IscsiSettings;

/**
 * The whole configuration of a node, checked and immutable: everything past the loader
 * can trust it.
 *
 * @param portals       where the iSCSI transport listens
 * @param metrics       where the Prometheus endpoint listens, or empty for none
 * @param iscsi         transport limits and offers
 * @param discoveryChap credentials a discovery session must present, or empty for open discovery
 * @param targets       the targets served
 * @param cache         the read cache
 * @param admin         the HTTP admin API, or empty for none
 * @param dataRoot      where images, versions and clones live
 * @param cluster       the active-passive cluster this node belongs to, or empty for a single node
 */
public record IcbdConfig(List<HostPort> portals, Optional<HostPort> metrics, IscsiSettings iscsi,
                         Optional<ChapConfig> discoveryChap, List<TargetConfig> targets, CacheSettings cache,
                         Optional<AdminSettings> admin, Path dataRoot, Optional<ClusterSettings> cluster,
                         Optional<WorkstationSettings> workstations) {

    public static final String DEFAULT_PATH = "/etc/icbd/icbd.yaml";
    public static final int ISCSI_PORT = 3260;
    public static final HostPort DEFAULT_PORTAL = new HostPort("0.0.0.0", ISCSI_PORT);
    public static final HostPort DEFAULT_METRICS = new HostPort("127.0.0.1", 9260);

    public IcbdConfig {
        portals = List.copyOf(portals);
        targets = List.copyOf(targets);
    }

    public IcbdConfig(List<HostPort> portals, Optional<HostPort> metrics, IscsiSettings iscsi,
                      Optional<ChapConfig> discoveryChap, List<TargetConfig> targets, CacheSettings cache,
                      Optional<AdminSettings> admin, Path dataRoot, Optional<ClusterSettings> cluster) {
        this(portals, metrics, iscsi, discoveryChap, targets, cache, admin, dataRoot, cluster, Optional.empty());
    }

    public IcbdConfig(List<HostPort> portals, Optional<HostPort> metrics, IscsiSettings iscsi,
                      Optional<ChapConfig> discoveryChap, List<TargetConfig> targets) {
        this(portals, metrics, iscsi, discoveryChap, targets, CacheSettings.defaults(), Optional.empty(),
                Path.of(ConfigLoader.DEFAULT_DATA_ROOT), Optional.empty());
    }

    /** This configuration serving {@code targets} instead of its own. */
    public IcbdConfig withTargets(List<TargetConfig> targets) {
        return new IcbdConfig(portals, metrics, iscsi, discoveryChap, targets, cache, admin, dataRoot, cluster, workstations);
    }
}
