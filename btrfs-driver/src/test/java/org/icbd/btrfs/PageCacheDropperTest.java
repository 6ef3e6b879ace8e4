package org.icbd.btrfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.icbd.testsupport.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DONTNEED really empties the page cache for the range (counted with util-linux fincore), data intact. */
class PageCacheDropperTest {

    @TempDir
    Path dir;

    @Test
    void droppedPagesLeaveThePageCacheAndTheDataStays() throws Exception {
        Requires.tool("fincore", "apt-get install util-linux (it counts the cached pages)");
        byte[] data = new byte[8 << 20];
        new Random(1).nextBytes(data);
        Path f = Files.write(dir.resolve("img"), data);
        try (var ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.force(true); // DONTNEED leaves dirty pages alone; a snapshot's pages are always clean
        }
        Files.readAllBytes(f); // now cached
        long before = residentBytes(f);
        assumeTrue(before >= 4 << 20, "the file did not stay in the page cache (memory pressure?); cannot tell a drop");

        try (PageCacheDropper d = PageCacheDropper.open(f)) {
            assertTrue(d.drop(0, 8 << 20));
        }

        long after = residentBytes(f);
        assertTrue(after < before / 4, "resident before " + before + ", after " + after);
        assertArrayEquals(data, Files.readAllBytes(f));
    }

    private static long residentBytes(Path f) throws Exception {
        Process p = new ProcessBuilder("fincore", "--bytes", "--noheadings", "--output", "RES", f.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "fincore failed: " + out);
        return Long.parseLong(out);
    }
}
