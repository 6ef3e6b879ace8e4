package org.icbd.systest.cluster;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * Prints every znode under a path with its data and owner session: run by {@link ClusterDiagnostics}
 * inside the ZooKeeper host's namespace (the test JVM cannot reach it), with the ZooKeeper client of
 * the icbd jar. Arguments: CONNECT-STRING ROOT.
 */
final class ZooKeeperDump {

    private ZooKeeperDump() {
    }

    public static void main(String[] args) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(args[0], 10_000, e -> {
            if (e.getState() == KeeperState.SyncConnected) connected.countDown();
        });
        try {
            if (!connected.await(20, TimeUnit.SECONDS)) throw new IllegalStateException("ZooKeeper " + args[0] + " not reached");
            print(zk, args[1]);
        } finally {
            zk.close();
        }
    }

    private static void print(ZooKeeper zk, String path) throws Exception {
        Stat stat = new Stat();
        byte[] data = zk.getData(path, false, stat);
        String text = data == null ? "" : new String(data, StandardCharsets.UTF_8).replace("\n", "\\n");
        System.out.printf("%s  [%s]%s%n", path, text,
                stat.getEphemeralOwner() == 0 ? "" : String.format(" ephemeral of session 0x%x", stat.getEphemeralOwner()));
        List<String> children = zk.getChildren(path, false);
        for (String c : children.stream().sorted().toList()) print(zk, (path.equals("/") ? "" : path) + "/" + c);
    }
}
