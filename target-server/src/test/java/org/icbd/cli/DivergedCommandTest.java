package org.icbd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.icbd.btrfs.Btrfs;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code icbd cluster diverged list|delete} on a real btrfs data root. */
class DivergedCommandTest {

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(256L << 20);
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return IcbdCommand.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
    }

    @Test
    void listsAndDeletesTheCopiesKeptAside() throws Exception {
        Path root = btrfs.fs().root();
        Path data = Files.createDirectories(root.resolve("data"));
        Path config = Files.writeString(root.resolve("icbd.yaml"), "data-root: data\ncluster: {name: lab, node: a,"
                + " zookeeper: 127.0.0.1:2181, virtual-ip: 10.0.0.100/24, interface: eth0}\ntargets: []\n");
        Btrfs fs = new Btrfs();
        Path diverged = Files.createDirectories(data.resolve("diverged"));
        fs.snapshot(fs.createSubvolume(root.resolve("src")).path(), diverged.resolve("ws01.3.20261204T100000Z"), true);
        fs.snapshot(root.resolve("src"), diverged.resolve("ws01.5.20261204T110000Z"), true);

        assertEquals(0, run("cluster", "diverged", "list", "--config", config.toString()), err::toString);
        assertTrue(out.toString().contains("ws01.3.20261204T100000Z") && out.toString().contains("2026-12-04T11:00:00Z"), out::toString);

        assertEquals(2, run("cluster", "diverged", "delete", "--config", config.toString()), "a name or --all is required");
        assertTrue(err.toString().contains("name the copies to delete, or give --all"), err::toString);
        assertEquals(1, run("cluster", "diverged", "delete", "--config", config.toString(), "ws01.4"));
        assertTrue(err.toString().contains("no diverged copy named 'ws01.4'"), err::toString);

        assertEquals(0, run("cluster", "diverged", "delete", "--config", config.toString(), "ws01.3.20261204T100000Z"), err::toString);
        assertFalse(Files.exists(diverged.resolve("ws01.3.20261204T100000Z")));
        assertEquals(0, run("cluster", "diverged", "delete", "--config", config.toString(), "--all"), err::toString);
        assertEquals(0, run("cluster", "diverged", "list", "--config", config.toString()));
        assertTrue(out.toString().contains("no diverged copies"), out::toString);
    }
}
