package org.icbd.systest.initiator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.icbd.btrfs.FileExtents;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.systest.GoldenImage;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.Tool;
import org.icbd.testsupport.Requires;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product's promise, end to end on a real btrfs: images and clones made with the CLI, served with
 * {@code clone:} and {@code version:} LUNs, written by QEMU through iSCSI. A workstation's writes stay
 * on its clone; the version and the other clones keep reading the golden bytes; UNMAP gives space back.
 */
class CloneThroughIscsiTest {

    private static final int MIB = 1 << 20;
    private static final String IQN = "iqn.2026-11.org.icbd:clones";
    private static final String INITIATOR = "iqn.2026-11.org.icbd:ws";

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(1L << 30);

    @TempDir
    Path dir;

    private Path root;
    private Path source;

    @BeforeEach
    void imageVersionAndTwoClones() throws Exception {
        Requires.tool("qemu-io", "apt-get install qemu-utils qemu-block-extra");
        root = btrfs.fs().root().resolve("icbd");
        source = GoldenImage.write(dir.resolve("gold.img"), 16 * MIB, 64L * MIB);
        icbd("image", "import", source.toString(), "--name", "gold");
        assertTrue(icbd("image", "publish", "gold").output().contains("gold@1"));
        icbd("clone", "create", "--image", "gold@1", "--name", "ws01");
        icbd("clone", "create", "--image", "gold", "--name", "ws02");
        String list = icbd("clone", "list").output();
        assertTrue(list.contains("ws01") && list.contains("ws02") && list.contains("gold@1"), list);
        // the version is served because the catalog maps it, not because the configuration lists it
        icbd("lun", "map", "--target", IQN, "--version", "gold@1", "--lun", "2");
        assertTrue(icbd("lun", "list").output().contains("version gold@1 (read-only)"));
    }

    @Test
    void writesToOneCloneStayOnThatClone() throws Exception {
        Path version = root.resolve("images/gold/versions/1/disk.img");
        Path ws01 = root.resolve("clones/ws01/disk.img");
        Path ws02 = root.resolve("clones/ws02/disk.img");
        assertEquals(physical(version), physical(ws01), "a fresh clone shares every extent with its version");

        try (IcbdExport icbd = IcbdExport.serve(dir, IQN, config())) {
            ok(QemuIo.run(icbd, 0, INITIATOR, List.of("write -P 0xab 1M 1M", "read -P 0xab 1M 1M", "read -P 0x5a 0 1M",
                    "read -P 0x5a 2M 14M")));
            ok(QemuIo.run(icbd, 1, INITIATOR, List.of("read -P 0x5a 0 16M", "read -P 0 16M 48M")));
            ok(QemuIo.readOnly(icbd, 2, INITIATOR, List.of("read -P 0x5a 0 16M")));
            Tool.Result refused = QemuIo.run(icbd, 2, INITIATOR, List.of("write -P 0xcd 0 4k"));
            assertTrue(!QemuIo.clean(refused), "a version LUN must refuse writes: " + refused.describe());
        }
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(version), "the version holds the golden bytes");
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(ws02), "the other clone too");
        assertEquals(physical(version), physical(ws02), "and still shares all of them");
        assertNotEquals(physical(version), physical(ws01), "the written MiB has its own extent");
    }

    @Test
    void unmapOnACloneGivesItsSpaceBack() throws Exception {
        Path ws01 = root.resolve("clones/ws01/disk.img");
        long before;
        try (IcbdExport icbd = IcbdExport.serve(dir, IQN, config())) {
            ok(QemuIo.run(icbd, 0, INITIATOR, List.of("write -P 0x77 32M 16M")));
            before = allocated(ws01);
            ok(QemuIo.run(icbd, 0, INITIATOR, ",discard=unmap", List.of("discard 32M 16M", "read -P 0 32M 16M",
                    "read -P 0x5a 0 16M")));
        }
        long after = allocated(ws01);
        assertTrue(before - after >= 15L * MIB, "UNMAP should free the 16 MiB written: " + before + " -> " + after + " bytes");
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
                      - {lun: 1, clone: ws02}
                """.formatted(root, IQN));
    }

    private Tool.Result icbd(String... args) throws Exception {
        String[] cmd = new String[args.length + 5];
        cmd[0] = IcbdExport.javaBinary();
        cmd[1] = "-jar";
        cmd[2] = IcbdExport.jar().toString();
        System.arraycopy(args, 0, cmd, 3, args.length);
        cmd[args.length + 3] = "--data-root";
        cmd[args.length + 4] = root.toString();
        Tool.Result r = Tool.run(Duration.ofMinutes(2), cmd);
        assertTrue(r.ok(), r::describe);
        return r;
    }

    private static void ok(Tool.Result r) {
        assertTrue(QemuIo.clean(r), r::describe);
    }

    private static Set<Long> physical(Path file) throws Exception {
        return FileExtents.map(file, 0, Files.size(file), true).stream().map(FileExtents.Extent::physical).collect(Collectors.toSet());
    }

    private static long allocated(Path file) throws Exception {
        return FileExtents.map(file, 0, Files.size(file), true).stream().mapToLong(FileExtents.Extent::length).sum();
    }
}
