package org.icbd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mistakes on the command line exit with 2 and one clear line, never a stack trace. */
class CliArgumentsTest {

    @TempDir
    Path dir;
    private Path image;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void image() throws IOException {
        image = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
    }

    private int run(String... args) {
        return IcbdCommand.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
    }

    private void assertUsageError(String fragment, String... args) {
        int code = run(args);
        assertEquals(2, code, () -> "exit code; stderr: " + err);
        assertTrue(err.toString().contains(fragment), () -> "expected '" + fragment + "' in: " + err);
        assertFalse(err.toString().contains("\tat "), () -> "no stack trace: " + err);
    }

    @Test
    void clusterCommandsNeedAClusterConfiguration() throws Exception {
        Path plain = Files.writeString(dir.resolve("plain.yaml"), "targets: []\n");
        assertUsageError("icbd replication status: " + plain + ": has no 'cluster' section", "replication", "status", "--config", plain.toString());
        assertUsageError("icbd cluster release: " + plain + ": has no 'cluster' section", "cluster", "release", "--config", plain.toString());
        assertUsageError("configuration file not found", "cluster", "release", "--config", dir.resolve("none.yaml").toString());
        assertUsageError("a subcommand is required (status)", "replication");
    }

    @Test
    void noCommand() {
        assertUsageError("a command is required");
    }

    @Test
    void unknownCommandSuggestsTheClosest() {
        assertUsageError("export", "exprot", "disk.img");
    }

    @Test
    void exportNeedsAFile() {
        assertUsageError("FILE[,ro]", "export");
    }

    @Test
    void exportMissingFileNamesIt() {
        assertUsageError("missing.img: image file", "export", dir.resolve("missing.img").toString());
    }

    @Test
    void exportShortChapSecret() {
        assertUsageError("--chap", "export", image.toString(), "--chap", "user:short");
        assertTrue(err.toString().contains("12 to 16 characters"));
        assertFalse(err.toString().contains("short"), "the secret is never echoed");
    }

    @Test
    void exportChapWithoutSecret() {
        assertUsageError("USER:SECRET", "export", image.toString(), "--chap", "user");
    }

    @Test
    void exportMutualChapNeedsChap() {
        assertUsageError("--mutual-chap: needs --chap", "export", image.toString(), "--mutual-chap", "tgt:0123456789ab");
    }

    @Test
    void exportBadTargetName() {
        assertUsageError("--target: iSCSI names start with iqn.", "export", image.toString(), "--target", "mytarget");
    }

    @Test
    void exportBadAllowName() {
        assertUsageError("--allow host7", "export", image.toString(), "--allow", "host7");
    }

    @Test
    void exportBadPortal() {
        assertUsageError("--portal", "export", image.toString(), "--portal", "localhost:99999");
    }

    @Test
    void exportBadBlockSize() {
        assertUsageError("--block-size: must be 512 or 4096", "export", image.toString(), "--block-size", "1000");
    }

    @Test
    void exportBadCacheSize() {
        assertUsageError("--cache: must be a size in MiB or off; got 'lots'", "export", image.toString(), "--cache", "lots");
        assertUsageError("--cache: 999999999 MiB leaves too little", "export", image.toString(), "--cache", "999999999");
    }

    @Test
    void exportSameFileTwice() {
        assertUsageError("given twice", "export", image.toString(), image.toString() + ",ro");
    }

    @Test
    void exportToTheNetworkNeedsAuthenticationOrOpen() {
        assertUsageError("--chap USER:SECRET or --allow INITIATOR-IQN, or --open", "export", image.toString(), "--portal", "0.0.0.0:0");
    }

    @Test
    void exportPortInUse() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertUsageError("cannot listen", "export", image.toString(), "--portal", "127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void serveMissingConfig() {
        assertUsageError("configuration file not found", "serve", "--config", dir.resolve("none.yaml").toString());
    }

    @Test
    void serveBadConfigNamesTheKey() throws IOException {
        Path cfg = dir.resolve("icbd.yaml");
        Files.writeString(cfg, "targets:\n  - iqn: iqn.2026-11.org.example:t\n    luns: [nope.img]\n");
        assertUsageError("targets[0].luns[0].path", "serve", "--config", cfg.toString());
    }

    @Test
    void serveCheckAcceptsAGoodConfig() throws IOException {
        Path cfg = dir.resolve("icbd.yaml");
        Files.writeString(cfg, "targets:\n  - iqn: iqn.2026-11.org.example:t\n    open: true\n    luns: [disk.img]\n");
        assertEquals(0, run("serve", "--check", "--config", cfg.toString()), err::toString);
        assertTrue(out.toString().contains("OK, 1 target(s), 1 LUN(s)"), out::toString);
    }

    @Test
    void version() {
        assertEquals(0, run("version"));
        assertTrue(out.toString().startsWith("icbd "), out::toString);
    }

    @Test
    void helpExitsZero() {
        assertEquals(0, run("export", "--help"));
        assertTrue(out.toString().contains("--portal"));
    }
}
