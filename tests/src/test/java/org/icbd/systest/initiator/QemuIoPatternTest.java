package org.icbd.systest.initiator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.Tool;
import org.icbd.testsupport.Requires;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** QEMU's iSCSI driver writes and reads through icbd; the image file must hold exactly what was written. */
class QemuIoPatternTest {

    static final String IQN = "iqn.2026-11.org.icbd:qemu";
    static final long SIZE = 64L << 20;
    static final String INITIATOR = "iqn.2026-11.org.icbd:qemu-io";

    @TempDir
    Path dir;

    /** One write: {@code length} bytes of {@code pattern} at {@code offset}. */
    record Write(long offset, int length, int pattern) {
    }

    @BeforeEach
    void tools() {
        Requires.tool("qemu-io", "apt-get install qemu-utils qemu-block-extra");
    }

    private Path image(String name) throws Exception {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(SIZE);
        }
        return p;
    }

    /**
     * Sizes from one sector to 4 MiB, most of them not multiples of the 128 KiB burst, at offsets
     * that are sector-aligned but nothing more, each separated from the next by an untouched gap.
     */
    static List<Write> plan() {
        int[] sizes = {512, 1024, 4096, 8192 + 512, 65536, 131072 - 512, 131072, 131072 + 512, 300 << 10,
                (1 << 20) - 512, (1 << 20) + 512, 3 << 20, 4 << 20};
        List<Write> out = new ArrayList<>();
        long at = 512;
        int pattern = 0x11;
        for (int size : sizes) {
            out.add(new Write(at, size, pattern));
            at += size + 512L * (3 + pattern % 7); // an unaligned gap that must stay zero
            pattern += 0x0B;
        }
        return out;
    }

    @Test
    void patternsReadBackThroughIscsiAndLandExactlyInTheFile() throws Exception {
        Path img = image("disk.img");
        List<Write> writes = plan();
        List<String> ops = new ArrayList<>();
        for (Write w : writes) ops.add("write -P " + w.pattern() + " " + w.offset() + " " + w.length());
        for (Write w : writes) ops.add("read -P " + w.pattern() + " " + w.offset() + " " + w.length());
        // the gaps between writes read as zeros
        for (int i = 0; i + 1 < writes.size(); i++) {
            long gap = writes.get(i).offset() + writes.get(i).length();
            ops.add("read -P 0 " + gap + " " + (writes.get(i + 1).offset() - gap));
        }
        try (IcbdExport icbd = IcbdExport.start(dir, IQN, img.toString())) {
            Tool.Result r = QemuIo.run(icbd, 0, INITIATOR, ops);
            assertTrue(QemuIo.clean(r), r::describe);
            assertEquals(143, icbd.stop(), "SIGTERM handled by the shutdown hooks that flush every image");
        }
        // the target is gone: the file itself must hold exactly the written bytes
        byte[] file = Files.readAllBytes(img);
        byte[] expected = new byte[(int) SIZE];
        for (Write w : writes) Arrays.fill(expected, (int) w.offset(), (int) (w.offset() + w.length()), (byte) w.pattern());
        for (Write w : writes) {
            int from = (int) w.offset() - 512;
            int to = (int) (w.offset() + w.length() + 512);
            assertArrayEquals(Arrays.copyOfRange(expected, from, to), Arrays.copyOfRange(file, from, to),
                    "bytes around the write at " + w.offset());
        }
        assertArrayEquals(expected, file, "the whole image");
    }

    @Test
    void qemuImgConvertCopiesAnImageBitForBit() throws Exception {
        Requires.tool("qemu-img", "apt-get install qemu-utils");
        Path img = image("target.img");
        Path source = dir.resolve("source.raw");
        byte[] data = new byte[24 << 20];
        new Random(42).nextBytes(data);
        Files.write(source, data);
        try (IcbdExport icbd = IcbdExport.start(dir, IQN, img.toString())) {
            Tool.Result r = Tool.run(Duration.ofMinutes(2), "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw",
                    source.toString(), icbd.url(0));
            assertTrue(r.ok(), r::describe);
            Tool.Result cmp = Tool.run(Duration.ofMinutes(2), "qemu-img", "compare", "-f", "raw", "-F", "raw",
                    source.toString(), icbd.url(0));
            // qemu-img compare treats the larger target's tail as "must be zero": it is, so the images are equal
            assertEquals(0, cmp.exit(), cmp::describe);
        }
        byte[] file = Files.readAllBytes(img);
        assertArrayEquals(data, Arrays.copyOf(file, data.length));
    }

    @Test
    void aReadOnlyLunRefusesWritesAndTheFileStaysUnchanged() throws Exception {
        Path img = image("version.img");
        byte[] before = Files.readAllBytes(img);
        try (IcbdExport icbd = IcbdExport.start(dir, IQN, img + ",ro")) {
            Tool.Result r = QemuIo.run(icbd, 0, INITIATOR, List.of("write -P 0x77 0 64k"));
            assertFalse(QemuIo.clean(r), "a write to a read-only LUN must fail: " + r.describe());
            Tool.Result read = QemuIo.readOnly(icbd, 0, INITIATOR, List.of("read -P 0 0 64k"));
            assertTrue(read.output().contains("read 65536/65536"), read::describe);
        }
        assertArrayEquals(before, Files.readAllBytes(img));
    }

    @Test
    void softwareWriteProtectFencesWritesUntilCleared() throws Exception {
        Requires.tool("iscsi-swp", "apt-get install libiscsi-bin");
        Path img = image("fenced.img");
        try (IcbdExport icbd = IcbdExport.start(dir, IQN, img.toString())) {
            Tool.Result on = Tool.run(Duration.ofSeconds(30), "iscsi-swp", "--swp", "on", icbd.url(0));
            assertTrue(on.ok(), on::describe);
            Tool.Result refused = QemuIo.run(icbd, 0, INITIATOR, List.of("write -P 0x66 0 4k"));
            assertFalse(QemuIo.clean(refused), "SWP must refuse the write: " + refused.describe());
            Tool.Result off = Tool.run(Duration.ofSeconds(30), "iscsi-swp", "--swp", "off", icbd.url(0));
            assertTrue(off.ok(), off::describe);
            Tool.Result written = QemuIo.run(icbd, 0, INITIATOR, List.of("write -P 0x66 0 4k", "read -P 0x66 0 4k"));
            assertTrue(QemuIo.clean(written), written::describe);
        }
    }
}
