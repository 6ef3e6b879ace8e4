package org.icbd.failover;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a cluster keeps its state in ZooKeeper ({@code /icbd/<cluster>/...}). The cluster name is
 * checked here because it becomes part of every path.
 */
public record ClusterPaths(String cluster) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    public ClusterPaths {
        Optional<String> bad = nameProblem("cluster name", cluster);
        if (bad.isPresent()) throw new IllegalArgumentException(bad.get());
    }

    /**
     * Why {@code name} cannot be a path component here (a cluster name, or a node id), if it cannot:
     * nothing ZooKeeper or a shell reads specially.
     */
    public static Optional<String> nameProblem(String what, String name) {
        if (name != null && NAME.matcher(name).matches()) return Optional.empty();
        return Optional.of("invalid " + what + " '" + name + "': 1 to 32 lower-case letters, digits or '-', starting with a letter or digit");
    }

    public String root() {
        return "/icbd/" + cluster;
    }

    /** The Curator LeaderLatch. */
    public String leader() {
        return root() + "/leader";
    }

    /** The fencing token: incremented by every new leader. */
    public String epoch() {
        return root() + "/epoch";
    }

    /** One ephemeral znode per live node, holding its replication address. */
    public String nodes() {
        return root() + "/nodes";
    }

    public String node(String nodeId) {
        return nodes() + "/" + nodeId;
    }

    /** The volume catalog as the leader last published it (standbys mirror it). */
    public String catalog() {
        return root() + "/catalog";
    }

    /** The checkpoint of {@code volume} a leader handed over cleanly (its final state, every standby has it). */
    public String handover(String volume) {
        return root() + "/handover/" + volume;
    }

    /** Present when an administrator let the leader of {@code epoch} serve writable volumes promoted from checkpoints. */
    public String released(long epoch) {
        return root() + "/released/" + epoch;
    }

    /** Which standbys are in sync for each synchronously replicated volume ({@link SyncState}). */
    public String syncState() {
        return root() + "/insync";
    }

    /** One child per target (its IQN in lower case) whose LUNs have persistent reservations saved. */
    public String reservations() {
        return root() + "/reservations";
    }

    /** The persistent reservations of LUN {@code lun} of target {@code iqn}, as the leader last saved them. */
    public String reservations(String iqn, long lun) {
        return reservations() + "/" + iqn.toLowerCase(Locale.ROOT) + "/" + lun;
    }

    /** One child per standby that cannot receive for lack of space. */
    public String noSpace() {
        return root() + "/no-space";
    }

    /** Present while standby {@code node} cannot receive for lack of space (why, and since when). */
    public String noSpace(String node) {
        return noSpace() + "/" + node;
    }

    /** The node an administrator allowed to lead although it is not in sync (it may lack acknowledged writes). */
    public String forcedLeader() {
        return root() + "/forced-leader";
    }
}
