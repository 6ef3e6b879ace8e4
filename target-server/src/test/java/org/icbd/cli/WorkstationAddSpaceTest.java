package org.icbd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.icbd.config.ConfigLoader;
import org.icbd.volume.VolumeManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code icbd workstation add} while a node serves the data root with less free than its
 * {@code workstations.min-free-mib}: refused with the node's message, nothing added.
 */
class WorkstationAddSpaceTest {

    @TempDir
    Path dir;

    @Test
    void addingAWorkstationBelowTheThresholdIsRefusedWithTheReason() throws Exception {
        Path data = dir.resolve("data");
        Path source = dir.resolve("gold.img");
        try (RandomAccessFile f = new RandomAccessFile(source.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        assertEquals(0, run(new StringWriter(), "image", "import", source.toString(), "--name", "gold", "--data-root", data.toString()));
        assertEquals(0, run(new StringWriter(), "image", "publish", "gold", "--data-root", data.toString()));
        Path config = Files.writeString(dir.resolve("icbd.yaml"), """
                portals: ["127.0.0.1:0"]
                metrics: off
                data-root: %s
                workstations:
                  networks: [10.0.0.0/24]
                  min-free-mib: 1073741824
                """.formatted(data));
        try (RunningAppliance app = RunningAppliance.start(new ConfigLoader().load(config))) {
            StringWriter err = new StringWriter();
            int code = run(err, "workstation", "add", "ws01", "--mac", "52:54:00:00:00:09", "--image", "gold", "--data-root", data.toString());
            assertNotEquals(0, code);
            assertTrue(err.toString().contains("the server is short of space") && err.toString().contains("MiB needed to add a workstation"),
                    err::toString);
            assertTrue(VolumeManager.open(data).state().workstations().isEmpty(), "nothing was added");
        }
    }

    private static int run(StringWriter err, String... args) {
        return IcbdCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err, true)).execute(args);
    }
}
