package org.icbd.config;

import java.time.Duration;
import java.util.Optional;

/**
 * Active-passive clustering: this node takes part in the leader election of {@code name} in ZooKeeper
 * and serves its targets on the virtual IP only while it leads.
 *
 * @param name           the cluster (the ZooKeeper path {@code /icbd/<name>})
 * @param node           this node's id, unique in the cluster
 * @param zookeeper      the ensemble's connect string ({@code host:port,host:port,...})
 * @param sessionTimeout how long ZooKeeper waits before it declares a silent node dead; a leader stops
 *                       serving as soon as its connection is suspended, well inside this time
 * @param virtualIp      the service address with its prefix ({@code 10.0.0.100/24}), the only portal
 * @param iface          the network interface the virtual IP is added to
 * @param replication    how writable volumes reach the standbys, or empty when only read-only LUNs are served
 */
public record ClusterSettings(String name, String node, String zookeeper, Duration sessionTimeout,
                              String virtualIp, String iface, Optional<Replication> replication) {

    /**
     * Checkpoint replication of the writable (clone) LUNs.
     *
     * @param listen     where this node receives checkpoints while it stands by (other nodes find it in ZooKeeper)
     * @param secret     the cluster secret every stream is authenticated with (HMAC-SHA256), at least 16 bytes
     * @param interval   time between checkpoints of each writable volume
     * @param sync       whether every write is also sent to the standbys' write logs and acknowledged
     *                   only once they have it (so a failover loses no acknowledged write and sessions
     *                   resume), rather than reaching them with the next checkpoint only
     */
    public record Replication(HostPort listen, byte[] secret, Duration interval, boolean sync, Diverged diverged) {
        public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

        public Replication(HostPort listen, byte[] secret, Duration interval, boolean sync) {
            this(listen, secret, interval, sync, Diverged.DEFAULT);
        }
    }

    /**
     * How long a new leader keeps its own older copy of a clone aside in {@code diverged/}: at most
     * {@code keep} copies per clone (the newest), none older than {@code maxAge}. Each one holds the
     * writes that node took after its last replicated state, so each costs space until deleted.
     */
    public record Diverged(int keep, Duration maxAge) {
        public static final Diverged DEFAULT = new Diverged(2, Duration.ofDays(7));
    }

    /**
     * Three seconds: a dead leader is replaced within about that (the goal is under five seconds from
     * the crash to the first I/O on the new leader), while ZooKeeper's own minimum (two ticks) and a
     * loaded JVM's pauses stay well below it.
     */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(3);

    /** The address part of {@link #virtualIp}. */
    public String virtualAddress() {
        return virtualIp.substring(0, virtualIp.indexOf('/'));
    }
}
