package org.icbd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import org.icbd.iscsi.ExportedTarget;
import org.icbd.node.LunStack;
import org.icbd.storage.BlockDevice;
import org.icbd.storage.FileBlockDevice;
import org.icbd.storage.LunIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticTargetRegistryTest {

    @TempDir
    Path dir;

    private Path image(String name) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        return p;
    }

    @Test
    void mapsConfigToExportedTargets() throws Exception {
        TargetConfig t = new TargetConfig("iqn.2026-11.org.example:ws01", "ws01",
                List.of(new LunConfig(0, image("a.img"), false, 512), new LunConfig(3, image("b.img"), true, 4096)),
                Optional.of(new ChapConfig("ws01", "0123456789ab")), Optional.of(new ChapConfig("tgt", "abcdefghijkl")),
                List.of("iqn.2010-04.org.ipxe:ws01"));
        try (StaticTargetRegistry r = StaticTargetRegistry.open(List.of(t), Optional.of(new ChapConfig("d", "discovery-123")),
                1 << 20, LunStack.files())) {
            assertEquals(1, r.all().size());
            ExportedTarget e = r.find("IQN.2026-11.org.example:WS01").orElseThrow();
            assertEquals("ws01", e.alias());
            assertEquals(new TreeSet<>(List.of(0L, 3L)), (SortedSet<Long>) e.scsi().luns());
            assertEquals(new ExportedTarget.Credentials("ws01", "0123456789ab"), e.chap().orElseThrow());
            assertEquals("tgt", e.mutualChap().orElseThrow().user());
            assertTrue(e.admits("iqn.2010-04.org.ipxe:ws01"));
            assertFalse(e.admits("iqn.2010-04.org.ipxe:ws02"));
            assertEquals("d", r.discoveryChap().orElseThrow().user());
            assertTrue(r.find("iqn.2026-11.org.example:other").isEmpty());
        }
    }

    @Test
    void closeFlushesAndClosesEveryDevice() throws Exception {
        List<String> events = new ArrayList<>();
        Path a = image("a.img");
        TargetConfig t = new TargetConfig("iqn.2026-11.org.example:t", "", List.of(new LunConfig(0, a, false, 512),
                new LunConfig(1, image("b.img"), true, 512)), Optional.empty(), Optional.empty(), List.of());
        StaticTargetRegistry r = StaticTargetRegistry.open(List.of(t), Optional.empty(), 1 << 20,
                lun -> new Recording(FileBlockDevice.open(lun.path(), lun.readOnly(), lun.blockSize(), null, null),
                        lun.lun(), events));
        r.close();
        assertEquals(List.of("flush 0", "close 0", "close 1"), events);
    }

    @Test
    void failedOpenClosesWhatWasOpened() throws Exception {
        List<String> events = new ArrayList<>();
        Path a = image("a.img");
        Path gone = dir.resolve("gone.img");
        TargetConfig t = new TargetConfig("iqn.2026-11.org.example:t", "", List.of(new LunConfig(0, a, false, 512),
                new LunConfig(1, gone, false, 512)), Optional.empty(), Optional.empty(), List.of());
        ConfigException e = assertThrows(ConfigException.class, () -> StaticTargetRegistry.open(List.of(t), Optional.empty(), 1 << 20,
                lun -> new Recording(FileBlockDevice.open(lun.path(), lun.readOnly(), lun.blockSize(), null, null), lun.lun(), events)));
        assertTrue(e.getMessage().startsWith(gone.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("LUN 1"), e.getMessage());
        assertEquals(List.of("flush 0", "close 0"), events);
        assertTrue(Files.exists(a));
    }

    /** A device that records flush and close calls, delegating the rest. */
    private record Recording(BlockDevice d, long lun, List<String> events) implements BlockDevice {
        public int blockSize() { return d.blockSize(); }
        public long sizeBytes() { return d.sizeBytes(); }
        public boolean readOnly() { return d.readOnly(); }
        public void read(long offset, ByteBuffer dst) throws IOException { d.read(offset, dst); }
        public void write(long offset, ByteBuffer src, boolean fua) throws IOException { d.write(offset, src, fua); }
        public void flush() throws IOException { events.add("flush " + lun); d.flush(); }
        public boolean supportsUnmap() { return d.supportsUnmap(); }
        public void unmap(long offset, long length) throws IOException { d.unmap(offset, length); }
        public LunIdentity identity() { return d.identity(); }
        public void close() throws IOException { events.add("close " + lun); d.close(); }
    }
}
