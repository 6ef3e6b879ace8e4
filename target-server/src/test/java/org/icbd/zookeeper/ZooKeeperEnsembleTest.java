package org.icbd.zookeeper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.icbd.cli.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code icbd zookeeper} processes on loopback form one ensemble: a write through one server is
 * read through another, and the ensemble keeps serving (a majority of two) after one server is killed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ZooKeeperEnsembleTest {

    @TempDir
    Path dir;

    private final List<Process> servers = new ArrayList<>();

    @AfterEach
    void stopServers() throws InterruptedException {
        for (Process p : servers) p.destroyForcibly();
        for (Process p : servers) p.waitFor(30, TimeUnit.SECONDS);
    }

    @Test
    void threeServersAgreeAndSurviveTheLossOfOne() throws Exception {
        int[] ports = freePorts(9);
        List<String> serverArgs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            serverArgs.add("--server");
            serverArgs.add((i + 1) + "=127.0.0.1:" + ports[3 + i] + ":" + ports[6 + i]);
        }
        for (int i = 0; i < 3; i++) {
            List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "zookeeper", "--listen", "127.0.0.1:" + ports[i], "--data", dir.resolve("zk" + (i + 1)).toString(), "--id", Integer.toString(i + 1)));
            cmd.addAll(serverArgs);
            servers.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("zk" + (i + 1) + ".log").toFile()).start());
        }
        byte[] written = "written through server 1".getBytes(StandardCharsets.UTF_8);
        try (CuratorFramework one = client(ports[0]); CuratorFramework three = client(ports[2])) {
            one.create().forPath("/ensemble-test", written);
            three.sync().forPath("/ensemble-test");
            assertArrayEquals(written, three.getData().forPath("/ensemble-test"), "server 3 reads what server 1 wrote");
        }
        assertEquals("1\n", Files.readString(dir.resolve("zk1/myid")));

        servers.get(0).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        byte[] later = "written after server 1 died".getBytes(StandardCharsets.UTF_8);
        try (CuratorFramework two = client(ports[1]); CuratorFramework three = client(ports[2])) {
            two.setData().forPath("/ensemble-test", later);
            three.sync().forPath("/ensemble-test");
            assertArrayEquals(later, three.getData().forPath("/ensemble-test"), "two of three servers still make a quorum");
        }
        assertTrue(Files.readString(dir.resolve("zk2.log")).contains("ZooKeeper server 2 of 3 listening on 127.0.0.1:" + ports[1]));
    }

    private static CuratorFramework client(int port) {
        CuratorFramework c = CuratorFrameworkFactory.newClient("127.0.0.1:" + port, 10_000, 5_000, new RetryNTimes(60, 1_000));
        c.start();
        return c;
    }

    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) s.close();
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
