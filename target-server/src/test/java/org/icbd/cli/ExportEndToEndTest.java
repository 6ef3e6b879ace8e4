package org.icbd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code icbd export} as a real process: it prints where it listens, accepts an iSCSI login for
 * its target, serves metrics, and on SIGTERM stops cleanly and says so.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ExportEndToEndTest {

    private static final Pattern LISTENING = Pattern.compile("^listening on (\\S+):(\\d+)$");
    private static final Pattern METRICS = Pattern.compile("^metrics on (http://\\S+/metrics)$");
    private static final String IQN = "iqn.2026-11.org.icbd:e2e";

    @TempDir
    Path dir;

    @Test
    void startsServesAndStopsOnSigterm() throws Exception {
        Path rw = sparse("rw.img", 8 << 20);
        Path ro = sparse("ro.img", 4 << 20);
        Path stderr = dir.resolve("stderr.log");
        Process p = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "export", rw.toString(), ro + ",ro", "--portal", "127.0.0.1:0", "--target", IQN, "--metrics", "127.0.0.1:0")
                .redirectError(stderr.toFile()).start();
        try {
            List<String> lines = new ArrayList<>();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String metricsUrl = null;
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                Matcher m = METRICS.matcher(line);
                if (m.matches()) {
                    metricsUrl = m.group(1);
                    break;
                }
            }
            assertNotNull(metricsUrl, () -> "no metrics line; stdout " + lines + "; stderr " + read(stderr));
            Matcher listening = lines.stream().map(LISTENING::matcher).filter(Matcher::matches).findFirst().orElseThrow();
            assertEquals("127.0.0.1", listening.group(1));
            int port = Integer.parseInt(listening.group(2));
            assertTrue(port > 0);
            String url0 = "iscsi://127.0.0.1:" + port + "/" + IQN + "/0";
            assertTrue(lines.stream().anyMatch(l -> l.contains(url0) && l.endsWith("rw.img")), lines::toString);
            assertTrue(lines.stream().anyMatch(l -> l.contains("/" + IQN + "/1") && l.endsWith("ro.img (read-only)")), lines::toString);

            assertEquals(0, loginStatus(port, IQN), "login to the exported target succeeds");
            String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metricsUrl)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(scrape.contains("jvm_memory_used_bytes"), scrape);
            assertTrue(scrape.lines().anyMatch(l -> l.matches("icbd_iscsi_sessions \\d+\\.0")), "the session gauge reads a number");
            assertTrue(scrape.contains("icbd_scsi_read_bytes_total"), scrape);

            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stops within 30 s of SIGTERM");
            assertEquals(143, p.exitValue(), "the JVM's exit code after a SIGTERM handled by shutdown hooks");
            String log = read(stderr);
            assertTrue(log.contains("icbd stopped"), log);
            assertTrue(!log.contains("Exception"), log);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void demoCreatesAnImageVersionAndCloneAndPrintsTheSanbootLine() throws Exception {
        Path data = dir.resolve("data");
        Process p = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "demo", "--portal", "127.0.0.1:0", "--data-dir", data.toString())
                .redirectError(dir.resolve("demo.log").toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            String line;
            while ((line = out.readLine()) != null && !line.contains("sanboot")) lines.add(line);
            assertNotNull(line, () -> "no sanboot line; stdout " + lines + "; stderr " + read(dir.resolve("demo.log")));
            Matcher listening = lines.stream().map(LISTENING::matcher).filter(Matcher::matches).findFirst().orElseThrow();
            int port = Integer.parseInt(listening.group(2));
            assertEquals("sanboot iscsi:127.0.0.1::" + port + ":0:" + DemoCommand.IQN, line.strip());
            assertEquals(64L << 20, Files.size(data.resolve("clones/demo-ws01/disk.img")));
            assertEquals(64L << 20, Files.size(data.resolve("images/demo/versions/1/disk.img")));
            assertEquals(0, loginStatus(port, DemoCommand.IQN));
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
    }

    /** Sends one Login Request (security stage, AuthMethod=None, transit to operational) and returns the status class. */
    private static int loginStatus(int port, String target) throws IOException {
        String keys = "InitiatorName=iqn.2026-11.org.icbd:test-initiator\0TargetName=" + target
                + "\0SessionType=Normal\0AuthMethod=None\0";
        byte[] data = keys.getBytes(StandardCharsets.US_ASCII);
        int padded = (data.length + 3) & ~3;
        byte[] pdu = new byte[48 + padded];
        pdu[0] = 0x43;                       // immediate, Login Request
        pdu[1] = (byte) 0x81;                // Transit, CSG=security (0), NSG=operational (1)
        pdu[5] = (byte) (data.length >>> 16);
        pdu[6] = (byte) (data.length >>> 8);
        pdu[7] = (byte) data.length;
        pdu[8] = (byte) 0x80;                // ISID: random qualifier format
        pdu[13] = 1;
        pdu[19] = 1;                         // ITT
        System.arraycopy(data, 0, pdu, 48, data.length);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(pdu);
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] bhs = new byte[48];
            in.readFully(bhs);
            assertEquals(0x23, bhs[0] & 0x3F, "Login Response opcode");
            return bhs[36] & 0xFF;
        }
    }

    private Path sparse(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
