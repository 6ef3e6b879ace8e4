package org.icbd.config;

import java.time.Duration;

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
 */
public record ClusterSettings(String name, String node, String zookeeper, Duration sessionTimeout,
                              String virtualIp, String iface) {

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
