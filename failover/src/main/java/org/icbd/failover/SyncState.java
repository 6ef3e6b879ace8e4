package org.icbd.failover;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.curator.framework.CuratorFramework;

/**
 * Which standbys hold every acknowledged write of each synchronously replicated volume, as the leader
 * of {@code epoch} ({@code leader}) last recorded it in ZooKeeper. The leader takes a standby out
 * before it acknowledges a write that standby did not get, so a node this record names for every
 * volume has all of them: only such a node (or the leader it names) may lead next.
 *
 * <p>Stored as text: {@code epoch N}, {@code leader ID}, then one {@code volume NAME NODE,NODE} line
 * per volume.
 */
public record SyncState(long epoch, String leader, Map<String, Set<String>> volumes) {

    public SyncState {
        volumes = copy(volumes);
    }

    /** True when {@code node} may lead without losing an acknowledged write. */
    public boolean eligible(String node) {
        return node.equals(leader) || volumes.values().stream().allMatch(s -> s.contains(node));
    }

    /** The volumes {@code node} is not in sync for. */
    public Set<String> missing(String node) {
        Set<String> out = new TreeSet<>();
        volumes.forEach((v, nodes) -> {
            if (!nodes.contains(node)) out.add(v);
        });
        return out;
    }

    public String encode() {
        StringBuilder b = new StringBuilder("epoch ").append(epoch).append("\nleader ").append(leader).append('\n');
        volumes.forEach((v, nodes) -> b.append("volume ").append(v).append(' ').append(String.join(",", nodes)).append('\n'));
        return b.toString();
    }

    public static SyncState decode(String text) throws IOException {
        long epoch = -1;
        String leader = null;
        Map<String, Set<String>> volumes = new TreeMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(" ", -1);
            if (!f[0].isEmpty() && f.length < 2) throw new IOException("incomplete line in the sync state: " + line);
            switch (f[0]) {
                case "epoch" -> {
                    try {
                        epoch = Long.parseLong(f[1]);
                    } catch (NumberFormatException e) {
                        throw new IOException("bad epoch in the sync state: " + line, e);
                    }
                }
                case "leader" -> leader = f[1];
                case "volume" -> volumes.put(f[1], f.length < 3 || f[2].isEmpty() ? Set.of() : Set.of(f[2].split(",")));
                case "" -> { }
                default -> throw new IOException("unexpected line in the sync state: " + line);
            }
        }
        if (epoch < 0 || leader == null) throw new IOException("sync state without epoch or leader: " + text);
        return new SyncState(epoch, leader, volumes);
    }

    /** The record in ZooKeeper, if a leader of synchronously replicated volumes wrote one. */
    public static Optional<SyncState> read(CuratorFramework zk, ClusterPaths paths) throws Exception {
        Optional<String> s = ZNodes.read(zk, paths.syncState());
        return s.isEmpty() ? Optional.empty() : Optional.of(decode(s.get()));
    }

    /**
     * Writes this record while its epoch is the cluster's (fencing: a deposed leader's late update must
     * not undo what its successor recorded).
     *
     * @throws IOException when a newer epoch has begun
     */
    public void write(CuratorFramework zk, ClusterPaths paths) throws Exception {
        new Epochs(zk, paths).writeFenced(paths.syncState(), encode().getBytes(StandardCharsets.UTF_8), epoch);
    }

    private static Map<String, Set<String>> copy(Map<String, Set<String>> m) {
        Map<String, Set<String>> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, Collections.unmodifiableSet(new TreeSet<>(v))));
        return Collections.unmodifiableMap(out);
    }
}
