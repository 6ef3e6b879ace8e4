package org.icbd.systest.ansible;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.icbd.systest.IcbdExport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.icbd.testsupport.Requires;

/**
 * The site rollout in {@code ansible/} passes what CI can check without hosts: ansible-lint's production
 * profile, a syntax check of every playbook, and the files its roles render for the example inventory
 * accepted by the programs that read them ({@code icbd serve --check} of each node's icbd.yaml against a
 * real ZooKeeper and a data root holding the workstation's clone, {@code nft -c}, {@code dnsmasq --test}),
 * with the secrets made once on the controller. The work is {@code ansible/test/check.sh}; this test runs
 * it and requires every check it reports.
 */
class AnsibleRolesTest {

    static final long TIMEOUT_SECONDS = 600; // about a minute idle; ansible starts slowly on a loaded machine

    @TempDir
    Path dir;

    @Test
    void rolesLintSyntaxCheckAndRenderConfigurationsIcbdAccepts() throws Exception {
        for (String tool : List.of("ansible-playbook", "ansible-lint", "nft", "dnsmasq")) {
            Requires.that(Requires.onPath(tool), tool + " missing: apt-get install ansible-core ansible-lint nftables dnsmasq-base");
        }
        Requires.that(Requires.isRoot(), "nft -c needs root (CAP_NET_ADMIN)");
        Path repo = Path.of(System.getProperty("icbd.repo", "..")).toAbsolutePath().normalize();
        Path log = dir.resolve("check.log");
        ProcessBuilder pb = new ProcessBuilder("bash", repo.resolve("ansible/test/check.sh").toString(), IcbdExport.jar().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("HOME", dir.toString()); // ansible's caches, not the user's
        Process p = pb.start();
        boolean done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(done, "ansible/test/check.sh did not finish within " + TIMEOUT_SECONDS + " s:\n" + out);
        assertEquals(0, p.exitValue(), "ansible/test/check.sh failed:\n" + out);
        for (String check : List.of("syntax ok: site.yml add-node.yml rolling-upgrade.yml publish-image.yml",
                "secrets ok", "icbd serve --check ok: node-a", "icbd serve --check ok: node-b",
                "icbd serve --check refuses a missing clone: ok", "nft ok: zk1", "nft ok: node-a", "nft ok: boot1",
                "dnsmasq ok: boot1", "ALL CHECKS PASSED")) {
            assertTrue(out.contains(check), "check.sh did not report '" + check + "':\n" + out);
        }
    }
}
