package org.icbd.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.TreeMap;
import org.icbd.storage.BlockDevice;
import org.icbd.storage.FileBlockDevice;
import org.icbd.storage.LunIdentity;

/** A target over real image files, and helpers to send CDBs and check answers byte by byte. */
final class ScsiFixture implements AutoCloseable {

    static final String TARGET = "iqn.2026-01.org.icbd:test";
    static final Nexus A = new Nexus("iqn.1994-05.com.example:a", "400001370000", TARGET, 1);
    static final Nexus B = new Nexus("iqn.1994-05.com.example:b", "400001370001", TARGET, 1);
    static final long BLOCKS = 2048;

    final FileBlockDevice rw;
    final FileBlockDevice ro;
    final LogicalUnitSet target;

    ScsiFixture(Path dir) throws IOException {
        this(dir, true);
    }

    ScsiFixture(Path dir, boolean thin) throws IOException {
        Files.createDirectories(dir);
        Path a = dir.resolve("rw.img");
        Path b = dir.resolve("ro.img");
        try (var ch = FileChannel.open(a, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
        Files.write(b, new byte[(int) (BLOCKS * 512)]);
        try (var f = new RandomAccessFile(a.toFile(), "rw")) {
            f.setLength(BLOCKS * 512);
        }
        // a "hole puncher" that writes zeros: same observable contract as fallocate(PUNCH_HOLE)
        FileBlockDevice.HolePuncher zeroes = (ch, path, off, len) -> {
            ByteBuffer z = ByteBuffer.allocate((int) len);
            while (z.hasRemaining()) ch.write(z, off + z.position());
        };
        rw = FileBlockDevice.open(a, false, 512, LunIdentity.fromVolumeKey("vol-rw"), thin ? zeroes : null);
        ro = FileBlockDevice.open(b, true, 512, LunIdentity.fromVolumeKey("vol-ro"), null);
        var map = new TreeMap<Long, BlockDevice>();
        map.put(0L, rw);
        map.put(3L, ro);
        target = new LogicalUnitSet(TARGET, map);
    }

    ScsiResponse exec(Nexus n, long lun, byte[] cdb, byte[] dataOut, int expected) {
        var req = new ScsiRequest(n, lun, pad(cdb), expected, dataOut == null ? null : ByteBuffer.wrap(dataOut),
                1, TaskAttribute.SIMPLE);
        return target.execute(req);
    }

    ScsiResponse exec(long lun, byte[] cdb) {
        return exec(A, lun, cdb, null, 65536);
    }

    ScsiResponse exec(long lun, byte[] cdb, byte[] dataOut) {
        return exec(A, lun, cdb, dataOut, dataOut == null ? 0 : dataOut.length);
    }

    static byte[] pad(byte[] cdb) {
        if (cdb.length >= 16) return cdb;
        byte[] b = new byte[16];
        System.arraycopy(cdb, 0, b, 0, cdb.length);
        return b;
    }

    static byte[] cdb(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) b[i] = (byte) bytes[i];
        return b;
    }

    static byte[] rw10(int opcode, long lba, int blocks, int flags) {
        byte[] c = new byte[10];
        c[0] = (byte) opcode;
        c[1] = (byte) flags;
        Cdb.put32(c, 2, lba);
        Cdb.put16(c, 7, blocks);
        return c;
    }

    static byte[] rw16(int opcode, long lba, long blocks, int flags) {
        byte[] c = new byte[16];
        c[0] = (byte) opcode;
        c[1] = (byte) flags;
        Cdb.put64(c, 2, lba);
        Cdb.put32(c, 10, blocks);
        return c;
    }

    static byte[] data(ScsiResponse r) {
        assertEquals(ScsiResponse.GOOD, r.status(), () -> "expected GOOD, got " + describe(r));
        assertNotNull(r.dataIn());
        ByteBuffer b = r.dataIn().duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static void assertGood(ScsiResponse r) {
        assertEquals(ScsiResponse.GOOD, r.status(), () -> "expected GOOD, got " + describe(r));
    }

    static void assertSense(ScsiResponse r, Sense expected) {
        assertEquals(ScsiResponse.CHECK_CONDITION, r.status(), () -> "expected CHECK CONDITION, got " + describe(r));
        assertNotNull(r.sense());
        assertEquals(0x70, r.sense()[0] & 0x7F, "fixed format, current");
        assertEquals(expected, SenseData.decode(r.sense()));
    }

    static String describe(ScsiResponse r) {
        return "status 0x" + Integer.toHexString(r.status()) + (r.sense() != null ? " " + SenseData.decode(r.sense()) : "");
    }

    static byte[] filled(int len, int value) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) value);
        return b;
    }

    /** Consumes the POWER ON unit attention a fresh nexus gets. */
    void login(Nexus n) {
        target.nexusAdded(n);
        for (long lun : target.luns()) {
            assertSense(exec(n, lun, cdb(0x00), null, 0), Sense.POWER_ON_RESET);
            assertGood(exec(n, lun, cdb(0x00), null, 0));
        }
    }

    @Override
    public void close() throws IOException {
        rw.close();
        ro.close();
    }
}
