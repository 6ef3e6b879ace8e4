package org.icbd.config;

import java.util.List;
import java.util.Optional;
import org.icbd.volume.DiskMode;

/**
 * The {@code workstations:} section: where the boot endpoint listens, which networks it answers, what
 * the iPXE script points at, and what an unknown MAC gets.
 *
 * @param boot      where {@code GET /boot?mac=} is answered (HTTP), or empty: no boot endpoint
 * @param networks  the only networks whose requests are answered (MACs can be forged on a LAN)
 * @param portal    the iSCSI address the script {@code sanboot}s (the cluster's virtual IP or a portal)
 * @param iqnPrefix workstations' target names are {@code PREFIX:NAME}
 * @param enrol     what an unknown MAC gets, or empty: it is told to be registered
 * @param minFreeBytes below this much free space in the data root, no workstation is enrolled
 */
public record WorkstationSettings(Optional<HostPort> boot, List<Subnet> networks, Optional<HostPort> portal, String iqnPrefix,
                                  Optional<Enrolment> enrol, long minFreeBytes) {

    public static final long DEFAULT_MIN_FREE_MIB = 256;

    public WorkstationSettings(Optional<HostPort> boot, List<Subnet> networks, Optional<HostPort> portal, String iqnPrefix,
                               Optional<Enrolment> enrol) {
        this(boot, networks, portal, iqnPrefix, enrol, DEFAULT_MIN_FREE_MIB << 20);
    }

    public WorkstationSettings {
        networks = List.copyOf(networks);
    }

    /**
     * What a MAC nobody registered gets on its first boot request: a workstation named by {@code namePattern}
     * ({@code {mac}} stands for its twelve hex digits) with its own clone of {@code image}.
     *
     * @param version the version to pin, or 0 to follow the image's newest
     * @param group   the group an enrolled workstation joins (its image and mode then come from the group), or null;
     *                a MAC from a network a group names joins that group instead
     */
    public record Enrolment(String image, int version, DiskMode mode, String namePattern, String group) {
        public Enrolment(String image, int version, DiskMode mode, String namePattern) {
            this(image, version, mode, namePattern, null);
        }
    }
}
