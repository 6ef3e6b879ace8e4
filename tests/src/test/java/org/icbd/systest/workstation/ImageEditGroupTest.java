package org.icbd.systest.workstation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.Tool;
import org.icbd.testsupport.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image maintenance and groups as a workstation sees them, through a running {@code icbd serve}'s boot endpoint
 * and iSCSI (qemu-io with the credentials each boot script hands out): a maintenance workstation boots the work
 * copy and writes it, a second edit is refused, the edit becomes a version its group's reset-on-boot member boots,
 * a rollback of the image and a move of the group move that member at its next boot, a request from a network its
 * group does not boot from is refused, and prune deletes only what nothing uses.
 */
class ImageEditGroupTest {

    private static final String MAINT = "52:54:00:00:0e:01";
    private static final String MEMBER = "52:54:00:00:0e:02";
    private static final Pattern SANBOOT = Pattern.compile("set username (\\S+)\\nset password (\\S+)\\nsanboot iscsi:\\S+?::(\\d+):0:(\\S+)");

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(512L << 20);

    @TempDir
    Path dir;

    private Path root;
    private int bootPort;

    @Test
    void aMaintenanceWorkstationEditsTheImageAndItsGroupMovesThroughVersions() throws Exception {
        Requires.tool("qemu-io", "apt-get install qemu-utils qemu-block-extra");
        root = btrfs.fs().root().resolve("icbd");
        Path gold = dir.resolve("gold.img");
        try (RandomAccessFile f = new RandomAccessFile(gold.toFile(), "rw")) {
            f.setLength(8 << 20);
            f.write(filled(0x11));
        }
        ok("image", "import", gold.toString(), "--name", "gold");
        ok("image", "publish", "gold");
        ok("group", "add", "lab", "--image", "gold", "--mode", "reset-on-boot", "--network", "127.0.0.0/8");
        ok("workstation", "add", "maint", "--mac", MAINT, "--image", "gold", "--mode", "persistent");
        assertTrue(ok("workstation", "add", "member", "--mac", MEMBER, "--group", "lab").output().contains("reset-on-boot disk of gold"),
                "a member gets its group's image and mode");
        Path config = Files.writeString(dir.resolve("icbd.yaml"), """
                data-root: %s
                portals: [127.0.0.1:0]
                metrics: off
                workstations:
                  boot: 127.0.0.1:0
                  networks: [127.0.0.0/8]
                """.formatted(root));
        try (IcbdExport icbd = IcbdExport.serve(dir, "-", config)) {
            bootPort = icbd.bootPort();

            ok("image", "edit", "gold", "--workstation", "maint");
            Tool.Result second = icbd("image", "edit", "gold", "--workstation", "member");
            assertTrue(!second.ok() && second.output().contains("already being edited by workstation maint"), second::describe);
            String script = boot(MAINT, 200);
            assertTrue(script.contains("gold work copy"), script);
            assertTrue(io(script, "read -P 0x11 0 4096"), "the maintenance workstation sees the work copy (version 1's bytes)");
            assertTrue(io(script, "write -P 0x22 0 4096"), "and writes it");
            Tool.Result early = icbd("image", "publish", "gold");
            assertTrue(!early.ok() && early.output().contains("workstation maint is editing"), early::describe);
            ok("image", "edit", "gold", "--done");
            script = boot(MAINT, 200);
            assertFalse(script.contains("work copy"), script);
            assertTrue(io(script, "read -P 0x11 0 4096"), "after --done it boots its own disk again");
            assertEquals("gold@2", ok("image", "publish", "gold").output().strip().lines().reduce((a, b) -> b).orElse(""));

            assertTrue(io(boot(MEMBER, 200), "read -P 0x22 0 4096"), "the group's reset-on-boot member boots the edit, version 2");
            ok("image", "set", "gold", "--current", "1");
            assertTrue(io(boot(MEMBER, 200), "read -P 0x11 0 4096"), "rolled back: it boots version 1");
            ok("group", "set", "lab", "--version", "2");
            assertTrue(io(boot(MEMBER, 200), "read -P 0x22 0 4096"), "its group moved to version 2: so does it");

            ok("group", "set", "lab", "--network", "10.9.9.0/24");
            String refused = boot(MEMBER, 403);
            assertTrue(refused.contains("of group lab, which boots from 10.9.9.0/24 only, not from 127.0.0.1") && !refused.contains("sanboot"), refused);
            Tool.Result remove = icbd("group", "remove", "lab");
            assertTrue(!remove.ok() && remove.output().contains("still has workstations [member]"), remove::describe);

            ok("image", "publish", "gold");
            ok("image", "publish", "gold");
            String pruned = ok("image", "prune", "gold", "--keep", "1").output();
            assertTrue(pruned.contains("deleted gold@3") && pruned.contains("kept gold@1: ")
                    && pruned.contains("clone maint was made from it") && pruned.contains("kept gold@2: ") && pruned.contains("group lab is pinned to it")
                    && pruned.contains("kept gold@4: one of the newest 1"), pruned);
            assertFalse(Files.exists(root.resolve("images/gold/versions/3")), "version 3's subvolume is gone");
        }
    }

    /** Asks the boot endpoint for a MAC's script, expecting {@code status}. */
    private String boot(String mac, int status) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bootPort + "/boot?mac=" + mac))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), r.body());
        return r.body();
    }

    /** Runs one qemu-io command on the disk a boot script sanboots, with its CHAP credentials; true when it did what was asked. */
    private static boolean io(String script, String command) throws Exception {
        Matcher m = SANBOOT.matcher(script);
        assertTrue(m.find(), script);
        Tool.Result r = Tool.run(Duration.ofMinutes(1), "qemu-io", "--object", "secret,id=s0,data=" + m.group(2), "--image-opts",
                "driver=iscsi,transport=tcp,portal=127.0.0.1:" + m.group(3) + ",target=" + m.group(4) + ",lun=0,user=" + m.group(1)
                        + ",password-secret=s0", "-c", command);
        return r.ok() && !r.output().contains("failed") && !r.output().contains("Pattern verification");
    }

    private static byte[] filled(int value) {
        byte[] b = new byte[4096];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private Tool.Result icbd(String... args) throws Exception {
        return IcbdExport.cli(root, args);
    }

    private Tool.Result ok(String... args) throws Exception {
        Tool.Result r = icbd(args);
        assertTrue(r.ok(), r::describe);
        return r;
    }
}
