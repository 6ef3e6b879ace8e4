package org.icbd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sd_notify datagrams reach a real Unix datagram socket, bound by a separate process (python3, as
 * systemd would bind it) that prints what it receives.
 */
class ServiceManagerTest {

    private static final String RECEIVER = String.join("\n",
            "import socket, sys",
            "name = sys.argv[1]",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
            "s.bind('\\0' + name[1:] if name.startswith('@') else name)",
            "print('bound', flush=True)",
            "s.settimeout(20)",
            "print(s.recv(4096).decode().replace('\\n', '|'), flush=True)");

    @Test
    void readyReachesTheSocketNamedByTheEnvironment(@TempDir Path dir) throws Exception {
        String path = dir.resolve("notify").toString();
        assertEquals("READY=1|STATUS=serving 1 target(s)|MAINPID=" + ProcessHandle.current().pid(),
                receive(path, m -> m.ready("serving 1 target(s)")));
    }

    @Test
    void anAbstractSocketNameWorksToo() throws Exception {
        String path = "@icbd-test-" + UUID.randomUUID();
        assertEquals("STOPPING=1|STATUS=stopping: handing over", receive(path, m -> m.stopping("stopping:\nhanding over")));
    }

    @Test
    void withoutASocketNothingIsSentAndNothingFails() {
        assertFalse(new ServiceManager(null).send("READY=1"));
        assertFalse(new ServiceManager("").send("READY=1"));
    }

    @Test
    void aSocketNobodyListensOnIsReportedNotThrown(@TempDir Path dir) {
        assertFalse(new ServiceManager(dir.resolve("nobody").toString()).send("READY=1"));
    }

    private interface Notification {
        void send(ServiceManager manager);
    }

    private static String receive(String path, Notification notification) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs python3 to bind a Unix datagram socket");
        Process receiver = new ProcessBuilder("/usr/bin/python3", "-c", RECEIVER, path).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("bound", out.readLine());
            ServiceManager manager = new ServiceManager(path);
            notification.send(manager);
            String got = out.readLine();
            assertTrue(receiver.waitFor(20, TimeUnit.SECONDS), "receiver did not exit");
            return got;
        } finally {
            receiver.destroyForcibly();
        }
    }
}
