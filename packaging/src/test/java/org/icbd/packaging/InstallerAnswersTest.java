package org.icbd.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appliance's installer refuses wrong answers, all of them at once and before it writes anything:
 * it is run here for real (as root: it checks that it is), with answers that must each be refused.
 */
class InstallerAnswersTest {

    private static final Path INSTALLER = Path.of(System.getProperty("installer",
            "../appliance-image/config/includes.chroot/usr/sbin/icbd-install"));

    @Test
    void everyWrongAnswerIsListedAndNothingIsWritten() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "icbd-install runs as root only");
        String out = run("--unattended", "--no-reboot",
                "system-disk=/dev/icbd-no-such-disk", "data-disk=/dev/icbd-no-such-disk",
                "cluster=site1", "node=bad node", "zookeeper=zk1", "vip=10.0.0.300/24", "interface=icbd-none0",
                "address=10.0.0", "secret=short", "ssh-key=not-a-key", "hostname=Bad_Host");
        for (String expected : List.of("nothing was written",
                "/dev/icbd-no-such-disk is not a block device", "data-disk must differ from system-disk",
                "node: required in a cluster", "zookeeper 'zk1': HOST:PORT", "vip '10.0.0.300/24'",
                "interface 'icbd-none0': no such network interface", "address '10.0.0'",
                "secret: at least 32 characters", "ssh-key: not an OpenSSH public key", "hostname 'Bad_Host'")) {
            assertTrue(out.contains(expected), "expected '" + expected + "' in:\n" + out);
        }
    }

    @Test
    void anUnknownAnswerIsNamed() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "icbd-install runs as root only");
        String out = run("--unattended", "sytem-disk=/dev/vda");
        assertTrue(out.contains("unknown answer 'sytem-disk' (known: system-disk data-disk"), out);
    }

    @Test
    void aSeedFileIsReadAndCheckedLikeAnswers(@TempDir Path dir) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "icbd-install runs as root only");
        Path seed = Files.writeString(dir.resolve("seed"), "# a node of site1\nsystem-disk = /dev/icbd-no-such-disk\n"
                + "data-disk=/dev/icbd-other\nssh-key=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTheTest smoke\nnot an answer\n");
        assertTrue(run("--unattended", "--seed", seed.toString()).contains("seed " + seed + ": 'not an answer' is not KEY=VALUE"));
        Files.writeString(seed, "system-disk=/dev/icbd-no-such-disk\ndata-disk=/dev/icbd-other\n"
                + "ssh-key=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTheTest smoke\n");
        String out = run("--unattended", "--seed", seed.toString());
        assertTrue(out.contains("/dev/icbd-no-such-disk is not a block device") && !out.contains("ssh-key"), out);
    }

    private static String run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", INSTALLER.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        return out;
    }
}
