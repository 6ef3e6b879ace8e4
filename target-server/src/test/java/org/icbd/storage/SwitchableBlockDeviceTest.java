package org.icbd.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A clone reset swaps the file under a LUN: every call lands on the device installed last, the old one is closed. */
class SwitchableBlockDeviceTest {

    @TempDir
    Path dir;

    @Test
    void callsGoToTheCurrentDeviceAndASwitchClosesTheOldOne() throws IOException {
        Path a = image("a.img");
        Path b = image("b.img");
        LunIdentity id = LunIdentity.fromVolumeKey("clone:ws01");
        FileBlockDevice first = FileBlockDevice.open(a, false, 512, id, null);
        try (SwitchableBlockDevice lun = new SwitchableBlockDevice(first)) {
            lun.write(4096, ByteBuffer.wrap(filled(512, 0x11)), false);
            lun.flush();
            assertArrayEquals(filled(512, 0x11), Arrays.copyOfRange(Files.readAllBytes(a), 4096, 4608));

            lun.switchTo(FileBlockDevice.open(b, false, 512, LunIdentity.fromVolumeKey("other"), null));
            assertThrows(IOException.class, () -> first.read(0, ByteBuffer.allocate(512)), "the old device is closed");
            ByteBuffer dst = ByteBuffer.allocate(512);
            lun.read(4096, dst);
            assertArrayEquals(new byte[512], dst.array(), "reads come from the new file");
            lun.write(0, ByteBuffer.wrap(filled(512, 0x22)), true);
            assertArrayEquals(filled(512, 0x22), Arrays.copyOf(Files.readAllBytes(b), 512));
            assertEquals(id, lun.identity(), "the same disk to the initiator");
        }
    }

    @Test
    void aSwitchAfterCloseIsRefusedAndClosesTheNewDevice() throws IOException {
        SwitchableBlockDevice lun = new SwitchableBlockDevice(FileBlockDevice.open(image("a.img"), false));
        lun.close();
        FileBlockDevice next = FileBlockDevice.open(image("b.img"), false);
        IOException e = assertThrows(IOException.class, () -> lun.switchTo(next));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IOException.class, () -> next.read(0, ByteBuffer.allocate(512)), "nothing keeps it open");
    }

    private Path image(String name) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        return p;
    }

    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
