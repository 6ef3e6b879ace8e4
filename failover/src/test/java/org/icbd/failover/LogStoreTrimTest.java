package org.icbd.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.icbd.btrfs.Btrfs;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.btrfs.SendStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The standby's write log is kept back to the newest complete checkpoint, on a real btrfs. */
class LogStoreTrimTest {

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(256L << 20);
    private final Btrfs fs = new Btrfs();

    @Test
    void segmentsBeforeTheNewestCompleteCheckpointAreTrimmedAndNoMore() throws IOException {
        Path root = btrfs.fs().root();
        Path replicas = root.resolve("replicas");
        LogStore store = new LogStore(root.resolve("log"), replicas);
        long chain = store.reset();
        store.append(chain, new LogRecord.Marker("ws01", "ws01.1.1"));
        store.append(chain, new LogRecord.Marker("ws01", "ws01.1.2"));
        receive(root, replicas.resolve("ws01"), "ws01.1.2");
        // ws01.1.3 is under way (btrfs receive has not finished it: writable, no received uuid)
        fs.createSubvolume(replicas.resolve("ws01/ws01.1.3"));
        store.append(chain, new LogRecord.Marker("ws01", "ws01.1.3"));
        store.append(chain, new LogRecord.Marker("ws01", "ws01.1.4"));
        try (var s = Files.list(root.resolve("log/ws01"))) {
            assertEquals(List.of("00000001.ws01.1.2.log", "00000002.ws01.1.3.log", "00000003.ws01.1.4.log"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "kept back to 1.2, the newest complete one");
        }
        store.close();
    }

    /** A checkpoint received as a standby receives it: read-only, with a received uuid. */
    private void receive(Path root, Path dir, String name) throws IOException {
        Path src = fs.createSubvolume(root.resolve("src-" + name)).path();
        Path snap = fs.snapshot(src, Files.createDirectories(root.resolve("sent")).resolve(name), true).path();
        Files.createDirectories(dir);
        try (SendStream s = fs.send(snap, Optional.empty(), List.of())) {
            fs.receive(s.stream(), dir);
            s.awaitSuccess();
        }
    }
}
