package org.icbd.systest.initiator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.systest.GoldenImage;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.Tool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.icbd.testsupport.Requires;

/**
 * {@code icbd clone reset} while {@code icbd serve} serves the clone (it used to hang in {@code btrfs
 * subvolume sync}, holding the catalog lock, while the LUN went on serving the old bytes): the running
 * node makes the reset, in well under a second, and the next read, even in a session that stayed
 * logged in across it, sees the version's bytes.
 */
class ResetWhileServingTest {

    private static final int MIB = 1 << 20;
    private static final String IQN = "iqn.2026-11.org.icbd:reset";
    private static final String INITIATOR = "iqn.2026-11.org.icbd:ws";
    private static final Pattern TOOK = Pattern.compile("in (\\d+) ms \\(by the running node");

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(1L << 30);

    @TempDir
    Path dir;

    private Path root;

    @BeforeEach
    void imageVersionAndClone() throws Exception {
        Requires.that(Requires.onPath("qemu-io"), "qemu-io missing: apt-get install qemu-utils qemu-block-extra");
        root = btrfs.fs().root().resolve("icbd");
        Path source = GoldenImage.write(dir.resolve("gold.img"), 4 * MIB, 32L * MIB);
        icbd("image", "import", source.toString(), "--name", "gold");
        icbd("image", "publish", "gold");
        icbd("clone", "create", "--image", "gold@1", "--name", "ws01");
    }

    @Test
    void resetBetweenSessionsServesTheVersionAtOnce() throws Exception {
        try (IcbdExport icbd = IcbdExport.serve(dir, IQN, config())) {
            ok(QemuIo.run(icbd, 0, INITIATOR, List.of("write -P 0xab 0 1M", "read -P 0xab 0 1M")));
            assertFast(icbd("clone", "reset", "ws01"));
            ok(QemuIo.run(icbd, 0, INITIATOR, List.of("read -P 0x5a 0 4M", "write -P 0xcd 1M 1M")));
            // a second reset finds the first one's leftovers gone and works again
            assertFast(icbd("clone", "reset", "ws01"));
            ok(QemuIo.run(icbd, 0, INITIATOR, List.of("read -P 0x5a 0 4M")));
        }
        assertTrue(Files.list(root.resolve("clones")).noneMatch(p -> p.getFileName().toString().startsWith(".")),
                "no subvolume is left aside");
    }

    @Test
    void resetUnderALoggedInSessionIsSeenByItsNextRead() throws Exception {
        try (IcbdExport icbd = IcbdExport.serve(dir, IQN, config())) {
            // stdbuf: qemu-io would hold its answers in a pipe buffer until it exits
            Process qemu = new ProcessBuilder("stdbuf", "-oL", "qemu-io", "--image-opts", "driver=iscsi,transport=tcp,portal=127.0.0.1:"
                    + icbd.port() + ",target=" + IQN + ",lun=0,initiator-name=" + INITIATOR).redirectErrorStream(true).start();
            StringBuffer seen = new StringBuffer();
            Thread pump = Thread.ofVirtual().start(() -> {
                try (var out = qemu.inputReader()) {
                    int c;
                    while ((c = out.read()) >= 0) seen.append((char) c);
                } catch (IOException e) {
                    seen.append(e);
                }
            });
            try {
                // qemu-io takes one line from a pipe at a time: each command waits for the previous one's answer
                var in = qemu.outputWriter();
                command(in, seen, "write -P 0xab 0 1M", "wrote 1048576/1048576");
                command(in, seen, "read -P 0xab 0 1M", "read 1048576/1048576");
                assertFast(icbd("clone", "reset", "ws01"));
                command(in, seen, "read -P 0x5a 0 4M", "read 4194304/4194304");
                in.write("quit\n");
                in.flush();
                assertTrue(qemu.waitFor(60, TimeUnit.SECONDS), "qemu-io ends: " + seen);
                pump.join(5000);
                String all = seen.toString();
                assertTrue(all.contains("read 4194304/4194304") && !all.contains("Pattern verification failed") && !all.contains("failed"),
                        "the logged-in session's next read sees the version's bytes: " + all);
            } finally {
                qemu.destroyForcibly();
            }
        }
    }

    private static void command(Writer in, StringBuffer seen, String command, String answer) throws Exception {
        int from = seen.length();
        in.write(command + "\n");
        in.flush();
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (seen.indexOf(answer, from) < 0 && seen.indexOf("failed", from) < 0 && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(seen.indexOf(answer, from) >= 0, command + " should answer " + answer + ": " + seen);
    }

    private static void assertFast(Tool.Result reset) {
        Matcher m = TOOK.matcher(reset.output());
        assertTrue(m.find(), "the running node made the reset: " + reset.output());
        long ms = Long.parseLong(m.group(1));
        System.out.println("reset while serving: " + ms + " ms");
        assertTrue(ms < 1000, "a reset takes milliseconds, not " + ms + " ms");
    }

    private Path config() throws Exception {
        return Files.writeString(dir.resolve("icbd.yaml"), """
                data-root: %s
                portals: [127.0.0.1:0]
                metrics: off
                targets:
                  - iqn: %s
                    luns:
                      - clone: ws01
                """.formatted(root, IQN));
    }

    private Tool.Result icbd(String... args) throws Exception {
        return IcbdExport.cliOk(root, args);
    }

    private static void ok(Tool.Result r) {
        assertTrue(QemuIo.clean(r), r::describe);
    }
}
