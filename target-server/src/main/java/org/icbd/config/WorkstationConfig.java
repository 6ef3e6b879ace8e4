package org.icbd.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.icbd.volume.DiskMode;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeException;
import org.icbd.volume.VolumeName;
import org.icbd.workstation.Workstations;

/** Reads the {@code workstations:} section of a configuration into {@link WorkstationSettings}. */
final class WorkstationConfig {

    private static final Set<String> KEYS = Set.of("boot", "networks", "portal", "iqn-prefix", "enrol", "min-free-mib");
    private static final Set<String> ENROL_KEYS = Set.of("image", "mode", "name", "group");

    private WorkstationConfig() {
    }

    /**
     * In a cluster only the leader answers boot requests, and the workstations must reach whichever node
     * leads: the endpoint listens on the virtual IP (bound while leading) or on every address.
     */
    private static void requireMovable(HostPort boot, ConfigNode cluster, ConfigNode w) throws ConfigException {
        String vip = cluster.optText("virtual-ip").map(v -> v.contains("/") ? v.substring(0, v.indexOf('/')) : v).orElse("");
        String host = boot.host();
        if (host.equals(vip) || host.equals("0.0.0.0") || host.equals("::")) return;
        throw w.error("boot", "must listen on the cluster's virtual IP (" + (vip.isEmpty() ? "cluster.virtual-ip" : vip + ":" + boot.port())
                + ") or on 0.0.0.0:" + boot.port() + ": workstations must reach whichever node leads, and only the leader answers");
    }

    static Optional<WorkstationSettings> parse(ConfigNode root) throws ConfigException {
        if (!root.has("workstations")) return Optional.empty();
        ConfigNode w = root.child("workstations").requireMapping(KEYS);
        Optional<HostPort> boot = w.has("boot") ? Optional.of(ConfigLoader.hostPort(w.child("boot"), 8080)) : Optional.empty();
        if (boot.isPresent() && root.has("cluster")) requireMovable(boot.get(), root.child("cluster"), w);
        List<Subnet> networks = new ArrayList<>();
        for (ConfigNode n : w.list("networks")) {
            try {
                networks.add(Subnet.parse(n.asText()));
            } catch (IllegalArgumentException e) {
                throw n.error(e.getMessage());
            }
        }
        if (boot.isPresent() && networks.isEmpty()) {
            throw w.error("networks", "is required with 'boot': the networks whose workstations may boot, e.g. [10.0.0.0/24]"
                    + " (a MAC is easily forged, so the endpoint answers only these)");
        }
        Optional<HostPort> portal = w.has("portal") ? Optional.of(ConfigLoader.hostPort(w.child("portal"), IcbdConfig.ISCSI_PORT)) : Optional.empty();
        String prefix = w.optText("iqn-prefix").orElse(Workstations.DEFAULT_IQN_PREFIX);
        Optional<String> bad = IscsiNames.problem(prefix + ":x");
        if (bad.isPresent() || !prefix.startsWith("iqn.")) {
            throw w.error("iqn-prefix", "must be an iqn. name such as iqn.2026-11.org.example.ws" + bad.map(b -> " (" + b + ")").orElse(""));
        }
        Optional<WorkstationSettings.Enrolment> enrol = Optional.empty();
        if (w.has("enrol")) {
            ConfigNode e = w.child("enrol").requireMapping(ENROL_KEYS);
            if (!e.has("image") && !e.has("group")) {
                throw e.error("image", "is required without 'group': the image (IMAGE or IMAGE@N) an enrolled workstation boots");
            }
            String group = null;
            if (e.has("group")) {
                try {
                    group = new VolumeName(e.text("group")).value();
                } catch (VolumeException x) {
                    throw e.error("group", x.getMessage());
                }
            }
            VersionSpec image = null;
            DiskMode mode;
            try {
                if (e.has("image")) image = VersionSpec.parseOrNewest(e.text("image"));
            } catch (VolumeException x) {
                throw e.error("image", x.getMessage());
            }
            try {
                mode = DiskMode.parse(e.optText("mode").orElse("reset-on-boot"));
            } catch (VolumeException x) {
                throw e.error("mode", x.getMessage());
            }
            String pattern = e.optText("name").orElse("{mac}");
            try {
                new VolumeName(pattern.replace("{mac}", "525400123456"));
            } catch (VolumeException x) {
                throw e.error("name", "'" + pattern + "' does not make a valid name ({mac} stands for 12 hex digits): " + x.getMessage());
            }
            enrol = Optional.of(new WorkstationSettings.Enrolment(image == null ? null : image.image().value(),
                    image == null ? 0 : image.version(), mode, pattern, group));
        }
        long minFree = w.integer("min-free-mib", WorkstationSettings.DEFAULT_MIN_FREE_MIB, 0, 1L << 30) << 20;
        return Optional.of(new WorkstationSettings(boot, networks, portal, prefix, enrol, minFree));
    }
}
