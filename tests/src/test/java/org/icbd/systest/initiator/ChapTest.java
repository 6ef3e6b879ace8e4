package org.icbd.systest.initiator;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.Tool;
import org.icbd.testsupport.Requires;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CHAP, mutual CHAP and the initiator ACL, as libiscsi (the initiator QEMU uses) sees them. */
class ChapTest {

    static final String IQN = "iqn.2026-11.org.icbd:chap";
    static final String ALLOWED = "iqn.2026-11.org.icbd:ws01";
    static final String USER = "ws01";
    static final String SECRET = "ws01-secret-123";
    static final String TARGET_USER = "icbd";
    static final String TARGET_SECRET = "target-secret-9";

    @TempDir
    static Path dir;
    static IcbdExport icbd;

    @BeforeAll
    static void start() throws Exception {
        Requires.tool("iscsi-inq", "apt-get install libiscsi-bin");
        Path img = dir.resolve("ws01.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(16 << 20);
        }
        icbd = IcbdExport.start(dir, IQN, img.toString(), "--chap", USER + ":" + SECRET,
                "--mutual-chap", TARGET_USER + ":" + TARGET_SECRET, "--allow", ALLOWED);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (icbd != null) icbd.close();
    }

    private static Tool.Result inquiry(String initiator, String credentials, String query) throws Exception {
        String url = "iscsi://" + credentials + "127.0.0.1:" + icbd.port() + "/" + IQN + "/0" + query;
        return Tool.run(Duration.ofSeconds(30), "iscsi-inq", "-i", initiator, url);
    }

    private static String mutual(String secret) {
        return "?target_user=" + TARGET_USER + "&target_password=" + secret;
    }

    @Test
    void theRightSecretsLogInAndTheTargetProvesItself() throws Exception {
        Tool.Result r = inquiry(ALLOWED, USER + "%" + SECRET + "@", mutual(TARGET_SECRET));
        assertTrue(r.ok() && r.output().contains("DIRECT_ACCESS"), r::describe);
    }

    @Test
    void aTargetConfiguredForMutualChapInsistsOnIt() throws Exception {
        // the operator asked for mutual CHAP: an initiator that does not check the target is not let in
        Tool.Result r = inquiry(ALLOWED, USER + "%" + SECRET + "@", "");
        assertFalse(r.ok(), r::describe);
    }

    @Test
    void aWrongSecretIsRefused() throws Exception {
        Tool.Result r = inquiry(ALLOWED, USER + "%" + "not-the-secret1@", "");
        assertFalse(r.ok(), r::describe);
        assertTrue(r.output().toLowerCase().contains("login failed"), r::describe);
    }

    @Test
    void noCredentialsAreRefused() throws Exception {
        Tool.Result r = inquiry(ALLOWED, "", "");
        assertFalse(r.ok(), r::describe);
    }

    @Test
    void theInitiatorRefusesATargetThatCannotProveTheSecretItExpects() throws Exception {
        // the initiator expects another target secret: the target's answer does not match, libiscsi gives up
        Tool.Result r = inquiry(ALLOWED, USER + "%" + SECRET + "@", mutual("impostor-secret"));
        assertFalse(r.ok(), r::describe);
    }

    @Test
    void anInitiatorOutsideTheAclIsRefusedEvenWithTheSecret() throws Exception {
        Tool.Result r = inquiry("iqn.2026-11.org.icbd:intruder", USER + "%" + SECRET + "@", mutual(TARGET_SECRET));
        assertFalse(r.ok(), r::describe);
        assertTrue(r.output().toLowerCase().contains("login failed"), r::describe);
    }

    @Test
    void qemuLogsInWithOneWayChap() throws Exception {
        Requires.tool("qemu-io", "apt-get install qemu-utils qemu-block-extra");
        // QEMU's iSCSI driver does one-way CHAP only, so it gets a target without mutual CHAP
        Path img = dir.resolve("qemu.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(16 << 20);
        }
        try (IcbdExport oneWay = IcbdExport.start(dir, IQN, img.toString(), "--chap", USER + ":" + SECRET)) {
            String opts = "driver=iscsi,transport=tcp,portal=127.0.0.1:" + oneWay.port() + ",target=" + IQN
                    + ",lun=0,initiator-name=" + ALLOWED + ",user=" + USER + ",password-secret=s0";
            Tool.Result r = Tool.run(Duration.ofSeconds(60), "qemu-io", "--object", "secret,id=s0,data=" + SECRET,
                    "--image-opts", opts, "-c", "write -P 0x3c 0 64k", "-c", "read -P 0x3c 0 64k");
            assertTrue(QemuIo.clean(r), r::describe);
            Tool.Result wrong = Tool.run(Duration.ofSeconds(60), "qemu-io", "--object", "secret,id=s0,data=wrong-secret-00",
                    "--image-opts", opts, "-c", "read 0 4k");
            assertFalse(QemuIo.clean(wrong), wrong::describe);
        }
    }
}
