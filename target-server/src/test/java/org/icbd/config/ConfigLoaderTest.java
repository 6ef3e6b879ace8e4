package org.icbd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.icbd.iscsi.IscsiSettings;
import org.icbd.testsupport.Requires;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    private static final String FULL = """
            portals: ["0.0.0.0:3260", "[::1]:3261"]
            metrics: 127.0.0.1:9999
            iscsi:
              max-sessions: 64
              queue-depth: 32
              login-timeout: 20s
              nop-interval: 10s
              nop-timeout: 5000ms
              max-burst-length: 524288
              first-burst-length: 65536
              immediate-data: false
              initial-r2t: yes
              max-command-bytes: 4194304
              data-out-timeout: 10s
              send-timeout: 45s
              reply-queue-bytes: 1048576
            discovery:
              chap: {user: discover, secret: discover-1234}
            targets:
              - iqn: iqn.2026-11.org.example:ws01
                alias: workstation 1
                chap: {user: ws01, secret: 0123456789ab}
                mutual-chap: {user: target, secret: target-secret}
                allow: [iqn.1993-08.org.debian:01:abcdef, iqn.2010-04.org.ipxe:ws01]
                luns:
                  - path: ws01.img
                  - lun: 5
                    path: base.img
                    read-only: true
                    block-size: 4096
              - iqn: eui.02004567A425678D
                open: true
                luns:
                  - data.img
            """;

    private static final String CLUSTER = """
            cluster:
              name: site1
              node: node-a
              zookeeper: 10.0.0.1:2181,10.0.0.2:2181,10.0.0.3:2181
              virtual-ip: 10.0.0.100/24
              interface: eth0
            """;

    private static final String READ_ONLY_TARGET = """
            targets:
              - iqn: iqn.2026-11.org.example:gold
                open: true
                luns: [{path: base.img, read-only: true}]
            """;

    @BeforeEach
    void images() throws IOException {
        for (String name : List.of("ws01.img", "base.img", "data.img")) {
            try (var f = new RandomAccessFile(dir.resolve(name).toFile(), "rw")) {
                f.setLength(1 << 20);
            }
        }
    }

    @Test
    void readsEverySetting() throws ConfigException {
        IcbdConfig c = loader.parse(FULL, dir);
        assertEquals(List.of(new HostPort("0.0.0.0", 3260), new HostPort("::1", 3261)), c.portals());
        assertEquals(Optional.of(new HostPort("127.0.0.1", 9999)), c.metrics());
        assertEquals(64, c.iscsi().maxSessions());
        assertEquals(32, c.iscsi().queueDepth());
        assertEquals(Duration.ofSeconds(20), c.iscsi().loginTimeout());
        assertEquals(Duration.ofSeconds(10), c.iscsi().nopInterval());
        assertEquals(Duration.ofMillis(5000), c.iscsi().nopTimeout());
        assertEquals(524288, c.iscsi().maxBurstLength());
        assertEquals(65536, c.iscsi().firstBurstLength());
        assertFalse(c.iscsi().immediateData());
        assertTrue(c.iscsi().initialR2T());
        assertEquals(4194304, c.iscsi().maxCommandBytes());
        assertEquals(Duration.ofSeconds(10), c.iscsi().dataOutTimeout());
        assertEquals(Duration.ofSeconds(45), c.iscsi().sendTimeout());
        assertEquals(1048576, c.iscsi().replyQueueBytes());
        assertEquals("discover", c.discoveryChap().orElseThrow().user());
        assertEquals(2, c.targets().size());

        TargetConfig ws = c.targets().get(0);
        assertEquals("iqn.2026-11.org.example:ws01", ws.iqn());
        assertEquals("workstation 1", ws.alias());
        assertEquals(new ChapConfig("ws01", "0123456789ab"), ws.chap().orElseThrow());
        assertEquals("target", ws.mutualChap().orElseThrow().user());
        assertEquals(List.of("iqn.1993-08.org.debian:01:abcdef", "iqn.2010-04.org.ipxe:ws01"), ws.allowedInitiators());
        assertEquals(new LunConfig(0, dir.resolve("ws01.img"), false, 512), ws.luns().get(0));
        assertEquals(new LunConfig(5, dir.resolve("base.img"), true, 4096), ws.luns().get(1));

        TargetConfig eui = c.targets().get(1);
        assertEquals(new LunConfig(0, dir.resolve("data.img"), false, 512), eui.luns().get(0));
        assertTrue(eui.chap().isEmpty());
        assertTrue(eui.allowedInitiators().isEmpty());
    }

    @Test
    void minimalConfigTakesDefaults() throws ConfigException {
        IcbdConfig c = loader.parse("targets: [{iqn: 'iqn.2026-11.org.example:t', open: true, luns: [ws01.img]}]", dir);
        assertEquals(List.of(IcbdConfig.DEFAULT_PORTAL), c.portals());
        assertEquals(Optional.of(IcbdConfig.DEFAULT_METRICS), c.metrics());
        assertEquals(IscsiSettings.defaults(), c.iscsi());
        assertTrue(c.discoveryChap().isEmpty());
    }

    @Test
    void anExplicitlyEmptyTargetListIsANodeThatServesNothingYet() throws ConfigException {
        assertTrue(loader.parse("targets: []\n", dir).targets().isEmpty());
        assertError("metrics: off\n", "targets", "'targets: []' for none yet");
    }

    @Test
    void metricsCanBeTurnedOff() throws ConfigException {
        assertTrue(loader.parse("metrics: off\n" + target("ws01.img"), dir).metrics().isEmpty());
        assertTrue(loader.parse("metrics: false\n" + target("ws01.img"), dir).metrics().isEmpty());
    }

    @Test
    void loadsFromFileAndResolvesImagesNextToIt() throws Exception {
        Path file = dir.resolve("icbd.yaml");
        Files.writeString(file, target("ws01.img"));
        assertEquals(dir.resolve("ws01.img"), loader.load(file).targets().get(0).luns().get(0).path());
    }

    @Test
    void absentFileIsAClearError() {
        ConfigException e = assertThrows(ConfigException.class, () -> loader.load(dir.resolve("nope.yaml")));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void chapSecretTooShortNamesKeyAndRule() {
        String yaml = """
                targets:
                  - iqn: iqn.2026-11.org.example:ws01
                    chap: {user: ws01, secret: short}
                    luns: [ws01.img]
                """;
        assertError(yaml, "targets[0].chap.secret", "12 to 16 characters");
        assertError(yaml, "targets[0].chap.secret", "got 5");
    }

    @Test
    void chapSecretTooLong() {
        assertError(targetWith("chap: {user: ws01, secret: 0123456789abcdefXX}"), "targets[0].chap.secret", "got 18");
    }

    @Test
    void chapUserMissing() {
        assertError(targetWith("chap: {secret: 0123456789ab}"), "targets[0].chap.user", "is required");
    }

    @Test
    void mutualChapNeedsOneWayChap() {
        assertError(targetWith("mutual-chap: {user: t, secret: 0123456789ab}"), "targets[0].mutual-chap", "needs 'chap'");
    }

    @Test
    void mutualChapSecretMustDiffer() {
        assertError(targetWith("chap: {user: a, secret: 0123456789ab}\n    mutual-chap: {user: t, secret: 0123456789ab}"),
                "targets[0].mutual-chap.secret", "must differ");
    }

    @Test
    void unknownKeyIsAnErrorWithSuggestion() {
        String yaml = """
                targets:
                  - iqn: iqn.2026-11.org.example:ws01
                    luns:
                      - path: ws01.img
                        readonly: true
                """;
        assertError(yaml, "targets[0].luns[0].readonly", "did you mean 'read-only'");
    }

    @Test
    void unknownTopLevelKeyListsKnownKeys() {
        assertError("zookeeper: x\n" + target("ws01.img"), "zookeeper", "known keys:");
    }

    @Test
    void badIqnNamesTheTarget() {
        String yaml = target("ws01.img") + "  - iqn: iqn.2026.org.example\n    luns: [base.img]\n";
        assertError(yaml, "targets[1].iqn", "iqn.YYYY-MM.reversed.domain");
    }

    @Test
    void upperCaseIqnIsRefusedWithTheFix() {
        assertError(target("ws01.img").replace("example:t", "Example:T"), "targets[0].iqn", "lower case");
    }

    @Test
    void badInitiatorNameInAllowList() {
        assertError(targetWith("allow: [iqn.2026-11.org.example:ok, workstation-7]"), "targets[0].allow[1]", "iqn., eui. or naa.");
    }

    @Test
    void duplicateLunNumbers() {
        String yaml = """
                targets:
                  - iqn: iqn.2026-11.org.example:ws01
                    luns:
                      - {lun: 1, path: ws01.img}
                      - {lun: 1, path: base.img}
                """;
        assertError(yaml, "targets[0].luns[1].lun", "used twice");
    }

    @Test
    void implicitLunNumberCollidesWithExplicitOne() {
        String yaml = """
                targets:
                  - iqn: iqn.2026-11.org.example:ws01
                    luns:
                      - {lun: 1, path: ws01.img}
                      - base.img
                """;
        assertError(yaml, "targets[0].luns[1].lun", "LUN 1 is used twice");
    }

    @Test
    void lunNumberOutOfRange() {
        assertError(targetWith("luns: [{lun: 20000, path: base.img}]", false), "targets[0].luns[0].lun", "0 to 16383");
    }

    @Test
    void missingImageFileNamesPathKey() {
        String yaml = target("ws01.img") + "  - iqn: iqn.2026-11.org.example:two\n    luns:\n      - path: missing.img\n";
        assertError(yaml, "targets[1].luns[0].path", "does not exist");
    }

    @Test
    void directoryIsNotAnImage() {
        assertError(target("."), "targets[0].luns[0].path", "not a regular file");
    }

    @Test
    void readOnlyFlagMustBeBoolean() {
        assertError(targetWith("luns: [{path: base.img, read-only: maybe}]", false), "targets[0].luns[0].read-only", "true or false");
    }

    @Test
    void unwritableImageNeedsReadOnly() throws Exception {
        Path ro = dir.resolve("ro.img");
        Files.write(ro, new byte[4096]);
        // root may write a file whose mode forbids it, but not an immutable one (as CI runs the tests)
        boolean root = Requires.isRoot();
        if (root) chattr("+i", ro);
        else assertTrue(ro.toFile().setWritable(false));
        try {
            assertFalse(Files.isWritable(ro), "the image cannot be written");
            assertError(target("ro.img"), "targets[0].luns[0].path", "export it read-only");
            assertTrue(loader.parse(target("{path: ro.img, read-only: true}"), dir).targets().get(0).luns().get(0).readOnly());
        } finally {
            if (root) chattr("-i", ro);
        }
    }

    private static void chattr(String flag, Path file) throws Exception {
        Process p = new ProcessBuilder("chattr", flag, file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        Requires.that(p.waitFor() == 0, "chattr " + flag + " " + file + " failed (the temp directory's file system has no immutable flag?): " + out);
    }

    @Test
    void blockSizeMustBe512Or4096() {
        assertError(targetWith("luns: [{path: base.img, block-size: 1024}]", false), "targets[0].luns[0].block-size", "512 or 4096");
    }

    @Test
    void imageSmallerThanABlock() throws IOException {
        Files.write(dir.resolve("tiny.img"), new byte[100]);
        assertError(target("tiny.img"), "targets[0].luns[0].path", "less than one 512-byte block");
    }

    @Test
    void portOutOfRange() {
        assertError("portals: ['0.0.0.0:70000']\n" + target("ws01.img"), "portals[0]", "0 to 65535");
    }

    @Test
    void portNotANumber() {
        assertError("metrics: 'localhost:http'\n" + target("ws01.img"), "metrics", "port must be a number");
    }

    @Test
    void duplicatePortal() {
        assertError("portals: ['0.0.0.0:3260', '0.0.0.0']\n" + target("ws01.img"), "portals[1]", "listed twice");
    }

    @Test
    void duplicateTargetName() {
        String yaml = target("ws01.img") + "  - iqn: iqn.2026-11.org.example:t\n    luns: [base.img]\n";
        assertError(yaml, "targets[1].iqn", "already defined at targets[0].iqn");
    }

    @Test
    void writableFileMustNotBackTwoLuns() {
        String yaml = target("ws01.img") + "  - iqn: iqn.2026-11.org.example:two\n    luns: [{path: ws01.img, read-only: true}]\n";
        assertError(yaml, "targets[1].luns[0].path", "also served at targets[0].luns[0].path");
    }

    @Test
    void readOnlyFileMayBackSeveralLuns() throws ConfigException {
        String yaml = """
                targets:
                  - iqn: iqn.2026-11.org.example:a
                    open: true
                    luns: [{path: base.img, read-only: true}]
                  - iqn: iqn.2026-11.org.example:b
                    open: true
                    luns: [{path: base.img, read-only: true}]
                """;
        assertEquals(2, loader.parse(yaml, dir).targets().size());
    }

    @Test
    void firstBurstMustNotExceedMaxBurst() {
        assertError("iscsi: {max-burst-length: 65536, first-burst-length: 131072}\n" + target("ws01.img"),
                "iscsi.first-burst-length", "must not exceed max-burst-length");
    }

    @Test
    void queueDepthRange() {
        assertError("iscsi: {queue-depth: 0}\n" + target("ws01.img"), "iscsi.queue-depth", "1 to 4096");
    }

    @Test
    void adminImportsComeFromTheDataRootsImportDirectoryUnlessConfigured() throws ConfigException {
        String admin = "data-root: " + dir.resolve("data") + "\nadmin: {listen: 127.0.0.1:9261%s}\n" + target("ws01.img");
        assertEquals(List.of(dir.resolve("data/import")), loader.parse(admin.formatted(""), dir).admin().orElseThrow().importDirs());
        assertEquals(List.of(dir.resolve("in"), Path.of("/srv/raw")),
                loader.parse(admin.formatted(", import-dirs: [in, /srv/raw]"), dir).admin().orElseThrow().importDirs());
        assertError(admin.formatted(", import-dirs: []"), "admin.import-dirs", "at least one directory");
    }

    @Test
    void badDuration() {
        assertError("iscsi: {login-timeout: soon}\n" + target("ws01.img"), "iscsi.login-timeout", "duration");
    }

    @Test
    void unknownIscsiKey() {
        assertError("iscsi: {max-session: 3}\n" + target("ws01.img"), "iscsi.max-session", "did you mean 'max-sessions'");
    }

    @Test
    void targetsAreRequired() {
        assertError("metrics: off\n", "targets", "is required");
    }

    @Test
    void targetNeedsLuns() {
        assertError("targets: [{iqn: iqn.2026-11.org.example:t}]", "targets[0].luns", "is required");
    }

    @Test
    void emptyFile() {
        assertError("", "", "empty");
    }

    @Test
    void yamlSyntaxErrorNamesLine() {
        assertError("targets:\n  - iqn: [unclosed\n", "line ", "not valid YAML");
    }

    @Test
    void duplicateKeyIsAnError() {
        assertError("metrics: off\nmetrics: off\n" + target("ws01.img"), "line ", "metrics");
    }

    @Test
    void secretsStayOutOfToString() {
        assertFalse(new ChapConfig("u", "0123456789ab").toString().contains("0123456789ab"));
    }

    @Test
    void aTargetReachableFromTheNetworkNeedsChapOrAnAllowListOrAnExplicitOpen() throws ConfigException {
        assertError(bareTarget("ws01.img"), "targets[0]", "without authentication");
        assertError("portals: ['10.0.0.5']\n" + bareTarget("ws01.img"), "targets[0]", "'open: true'");
        loader.parse("portals: ['0.0.0.0:3260']\n" + bareTarget("ws01.img") + "    open: true\n", dir);
        loader.parse("portals: ['0.0.0.0:3260']\n" + bareTarget("ws01.img") + "    allow: [iqn.2010-04.org.ipxe:ws01]\n", dir);
        loader.parse("portals: ['0.0.0.0:3260']\n" + bareTarget("ws01.img") + "    chap: {user: ws01, secret: 0123456789ab}\n", dir);
        loader.parse("portals: ['127.0.0.1:3260', '[::1]:3260']\n" + bareTarget("ws01.img"), dir);
    }

    private static String target(String image) {
        return bareTarget(image) + "    open: true\n";
    }

    /** A target with no CHAP, no allow list and no 'open': only acceptable on loopback portals. */
    private static String bareTarget(String image) {
        return "targets:\n  - iqn: iqn.2026-11.org.example:t\n    luns: [" + image + "]\n";
    }

    @Test
    void aClusterServesOnItsVirtualIpWithTheDefaultSessionTimeout() throws ConfigException {
        IcbdConfig c = loader.parse(CLUSTER + READ_ONLY_TARGET, dir);
        ClusterSettings cl = c.cluster().orElseThrow();
        assertEquals("site1", cl.name());
        assertEquals("node-a", cl.node());
        assertEquals("10.0.0.1:2181,10.0.0.2:2181,10.0.0.3:2181", cl.zookeeper());
        assertEquals(Duration.ofSeconds(3), cl.sessionTimeout());
        assertEquals(List.of(new HostPort("10.0.0.100", 3260)), c.portals());
        assertTrue(loader.parse(CLUSTER.replace("interface: eth0", "interface: eth0\n  session-timeout: 5s") + READ_ONLY_TARGET, dir)
                .cluster().orElseThrow().sessionTimeout().equals(Duration.ofSeconds(5)));
    }

    @Test
    void badClusterSettingsNameTheKey() {
        assertError(CLUSTER.replace("10.0.0.100/24", "10.0.0.100") + READ_ONLY_TARGET, "cluster.virtual-ip", "prefix length");
        assertError(CLUSTER.replace("name: site1", "name: Site_1") + READ_ONLY_TARGET, "cluster.name", "invalid cluster name");
        assertError(CLUSTER.replace("node: node-a", "node: ../a") + READ_ONLY_TARGET, "cluster.node", "invalid node id");
        assertError(CLUSTER.replace("interface: eth0", "interface: eth0;reboot") + READ_ONLY_TARGET, "cluster.interface", "interface name");
        assertError(CLUSTER.replace("10.0.0.1:2181,10.0.0.2:2181,10.0.0.3:2181", "zk1") + READ_ONLY_TARGET, "cluster.zookeeper", "host:port");
        assertError(CLUSTER.replace("interface: eth0", "interface: eth0\n  session-timeout: 100ms") + READ_ONLY_TARGET,
                "cluster.session-timeout", "at least");
        assertError("portals: [0.0.0.0:3260]\n" + CLUSTER + READ_ONLY_TARGET, "portals", "virtual IP");
    }

    @Test
    void aClusterServesOnlyClonesReadWriteBecauseOnlyTheyCanBeReplicated() {
        assertError(CLUSTER + "targets:\n  - iqn: iqn.2026-11.org.example:ws01\n    open: true\n    luns: [ws01.img]\n",
                "targets[0].luns[0]", "writable but not a clone");
    }

    @Test
    void replicationSettingsAreCheckedAndTheSecretMustBeLongEnough() throws Exception {
        Files.write(dir.resolve("short.secret"), new byte[8]);
        Files.write(dir.resolve("good.secret"), new byte[32]);
        String withReplication = CLUSTER + "  replication: {listen: 10.0.0.2:3270, secret-file: %s, interval: 5s}\n" + READ_ONLY_TARGET;
        ClusterSettings.Replication r = loader.parse(withReplication.formatted("good.secret"), dir).cluster().orElseThrow()
                .replication().orElseThrow();
        assertEquals(new HostPort("10.0.0.2", 3270), r.listen());
        assertEquals(32, r.secret().length);
        assertEquals(Duration.ofSeconds(5), r.interval());
        assertError(withReplication.formatted("short.secret"), "cluster.replication.secret-file", "at least 16");
        assertError(withReplication.formatted("missing.secret"), "cluster.replication.secret-file", "head -c 32 /dev/urandom");
        assertError(CLUSTER + "  replication: {secret-file: good.secret}\n" + READ_ONLY_TARGET, "cluster.replication.listen", "is required");
        assertTrue(r.sync(), "writes are replicated synchronously unless the configuration says otherwise");
        String withMode = CLUSTER + "  replication: {listen: 10.0.0.2:3270, secret-file: good.secret, mode: %s}\n" + READ_ONLY_TARGET;
        assertFalse(loader.parse(withMode.formatted("async"), dir).cluster().orElseThrow().replication().orElseThrow().sync());
        assertError(withMode.formatted("semi"), "cluster.replication.mode", "expected sync");
    }

    private static String targetWith(String line) {
        return targetWith(line, true);
    }

    private static String targetWith(String lines, boolean withLuns) {
        return "targets:\n  - iqn: iqn.2026-11.org.example:ws01\n    " + lines + "\n" + (withLuns ? "    luns: [ws01.img]\n" : "");
    }

    private void assertError(String yaml, String where, String fragment) {
        ConfigException e = assertThrows(ConfigException.class, () -> loader.parse(yaml, dir));
        assertTrue(e.getMessage().startsWith(where), () -> "expected the error at '" + where + "': " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
    }
}
