package org.icbd.scsi;

import static org.icbd.scsi.ScsiFixture.assertSense;
import static org.icbd.scsi.ScsiFixture.cdb;
import static org.icbd.scsi.ScsiFixture.data;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InquiryCommandTest {

    @TempDir
    Path dir;
    ScsiFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new ScsiFixture(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    @Test
    void standardInquiry() {
        byte[] d = data(f.exec(0, cdb(0x12, 0, 0, 0, 255, 0)));
        assertEquals(96, d.length);
        assertEquals(0x00, d[0]);
        assertEquals(0x06, d[2], "SPC-4");
        assertEquals(0x02, d[3] & 0x0F, "response data format");
        assertEquals(d.length - 5, d[4] & 0xFF);
        assertEquals(0x02, d[7] & 0x02, "CmdQue");
        assertEquals(0, d[5] & 0x08, "no 3PC");
        assertEquals("ICBD    ", new String(d, 8, 8, StandardCharsets.US_ASCII));
        assertEquals(0x04C0, Cdb.u16(d, 64), "SBC-3 version descriptor");
    }

    @Test
    void allocationLengthTruncatesWithoutOverflow() {
        var r = f.exec(0, cdb(0x12, 0, 0, 0, 5, 0));
        assertEquals(5, data(r).length);
        assertEquals(5, r.transferLength());
    }

    @Test
    void missingLunAnswersQualifier3() {
        byte[] d = data(f.exec(7, cdb(0x12, 0, 0, 0, 36, 0)));
        assertEquals(0x7F, d[0] & 0xFF);
        assertSense(f.exec(7, cdb(0x00)), Sense.LUN_NOT_SUPPORTED);
    }

    @Test
    void pageCodeWithoutEvpdIsInvalid() {
        assertSense(f.exec(0, cdb(0x12, 0, 0x80, 0, 255, 0)), Sense.INVALID_FIELD_IN_CDB);
        assertSense(f.exec(0, cdb(0x12, 1, 0x42, 0, 255, 0)), Sense.INVALID_FIELD_IN_CDB);
    }

    @Test
    void supportedPagesAreSorted() {
        byte[] d = data(f.exec(0, cdb(0x12, 1, 0x00, 0, 255, 0)));
        byte[] pages = Arrays.copyOfRange(d, 4, 4 + Cdb.u16(d, 2));
        assertArrayEquals(new byte[]{0x00, (byte) 0x80, (byte) 0x83, (byte) 0xB0, (byte) 0xB1, (byte) 0xB2}, pages);
    }

    @Test
    void unitSerialComesFromTheVolumeIdentity() {
        byte[] d = data(f.exec(0, cdb(0x12, 1, 0x80, 0, 255, 0)));
        String serial = new String(d, 4, Cdb.u16(d, 2), StandardCharsets.US_ASCII);
        assertEquals(f.rw.identity().serial(), serial);
    }

    @Test
    void deviceIdentificationStartsWithTheNaa() {
        byte[] d = data(f.exec(0, cdb(0x12, 1, 0x83, 0, 255, 0)));
        assertEquals(d.length - 4, Cdb.u16(d, 2));
        assertEquals(0x01, d[4] & 0x0F, "binary");
        assertEquals(0x03, d[5] & 0x3F, "LU association, NAA");
        assertEquals(8, d[7]);
        assertArrayEquals(f.rw.identity().naa(), Arrays.copyOfRange(d, 8, 16));
        assertEquals(0x01, d[17] & 0x0F, "then the T10 vendor id");
        assertEquals("ICBD    ", new String(d, 20, 8, StandardCharsets.US_ASCII));
        String all = new String(d, StandardCharsets.UTF_8);
        assertTrue(all.contains(ScsiFixture.TARGET + ",t,0x0001"), "target port name");
    }

    @Test
    void blockLimitsAndProvisioning() {
        byte[] bl = data(f.exec(0, cdb(0x12, 1, 0xB0, 0, 255, 0)));
        assertEquals(0x3C, Cdb.u16(bl, 2));
        assertEquals(InquiryCommand.MAX_UNMAP_BLOCKS, Cdb.u32(bl, 20));
        assertEquals(InquiryCommand.MAX_UNMAP_DESCRIPTORS, Cdb.u32(bl, 24));
        byte[] lbp = data(f.exec(0, cdb(0x12, 1, 0xB2, 0, 255, 0)));
        assertEquals(0x80, lbp[5] & 0x80, "LBPU");
        byte[] roBl = data(f.exec(3, cdb(0x12, 1, 0xB0, 0, 255, 0)));
        assertEquals(0, Cdb.u32(roBl, 20), "no unmap on a read-only LUN");
        byte[] bdc = data(f.exec(0, cdb(0x12, 1, 0xB1, 0, 255, 0)));
        assertEquals(1, Cdb.u16(bdc, 4), "non-rotational");
    }
}
