package org.icbd.scsi;

import static org.icbd.scsi.ScsiFixture.assertGood;
import static org.icbd.scsi.ScsiFixture.rw10;
import static org.icbd.scsi.ScsiFixture.assertSense;
import static org.icbd.scsi.ScsiFixture.cdb;
import static org.icbd.scsi.ScsiFixture.data;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MODE SENSE/SELECT, REPORT LUNS, REPORT SUPPORTED *, REQUEST SENSE, unit attentions. */
class ControlCommandsTest {

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
    void modeSense6AllPages() {
        byte[] d = data(f.exec(0, cdb(0x1A, 0, 0x3F, 0, 255, 0)));
        assertEquals(d.length - 1, d[0] & 0xFF);
        assertEquals(0x10, d[2] & 0xFF, "DPOFUA, not write protected");
        assertEquals(8, d[3]);
        assertEquals(512, Cdb.u24(d, 9));
        List<Integer> pages = new ArrayList<>();
        for (int off = 12; off < d.length; off += (d[off + 1] & 0xFF) + 2) pages.add(d[off] & 0x3F);
        assertEquals(List.of(0x01, 0x08, 0x0A), pages);
        assertEquals(0x04, d[12 + 12 + 2] & 0x04, "caching page WCE");
    }

    @Test
    void modeSenseReadOnlyDbdAndPageControl() {
        byte[] d = data(f.exec(3, cdb(0x1A, 0x08, 0x0A, 0, 255, 0)));
        assertEquals(0x80, d[2] & 0x80, "WP");
        assertEquals(0, d[3], "DBD: no block descriptor");
        assertEquals(0x0A, d[4]);
        assertEquals(0x0A, d[5]);
        byte[] changeable = data(f.exec(0, cdb(0x1A, 0x08, 0x40 | 0x0A, 0, 255, 0)));
        for (int i = 6; i < changeable.length; i++) {
            assertEquals(i == 4 + 4 ? 0x08 : 0, changeable[i], "only SWP (control page byte 4, bit 3) is changeable");
        }
        assertSense(f.exec(0, cdb(0x1A, 0, 0xC0 | 0x3F, 0, 255, 0)), Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
        assertSense(f.exec(0, cdb(0x1A, 0, 0x19, 0, 255, 0)), Sense.INVALID_FIELD_IN_CDB);
        var small = f.exec(0, cdb(0x1A, 0, 0x3F, 0, 4, 0));
        assertEquals(4, data(small).length);
        assertEquals(4, small.transferLength());
    }

    @Test
    void modeSense10WithLongLba() {
        byte[] d = data(f.exec(0, cdb(0x5A, 0x10, 0x08, 0, 0, 0, 0, 0x01, 0, 0)));
        assertEquals(d.length - 2, Cdb.u16(d, 0));
        assertEquals(1, d[4] & 1, "LONGLBA");
        assertEquals(16, Cdb.u16(d, 6));
        assertEquals(ScsiFixture.BLOCKS, Cdb.u64(d, 8));
        assertEquals(512, Cdb.u32(d, 20));
        assertEquals(0x08, d[24]);
    }

    @Test
    void modeSelectAcceptsOnlyTheCurrentValues() {
        byte[] current = data(f.exec(0, cdb(0x1A, 0x08, 0x08, 0, 255, 0)));
        byte[] params = current.clone();
        params[0] = 0;
        assertGood(f.exec(0, cdb(0x15, 0x10, 0, 0, params.length, 0), params));
        params[4 + 2] = 0; // clear WCE
        assertSense(f.exec(0, cdb(0x15, 0x10, 0, 0, params.length, 0), params), Sense.INVALID_FIELD_IN_PARAMETER_LIST);
    }

    @Test
    void softwareWriteProtectFencesEveryNexusUntilCleared() {
        while (f.exec(0, cdb(0x00, 0, 0, 0, 0, 0)).sense() != null) { } // nexus A logs in, clears its UAs
        byte[] control = data(f.exec(ScsiFixture.B, 0, cdb(0x1A, 0x08, 0x0A, 0, 255, 0), null, 255));
        byte[] params = control.clone();
        params[0] = 0;
        params[4 + 4] |= 0x08; // SWP
        assertGood(f.exec(ScsiFixture.B, 0, cdb(0x15, 0x10, 0, 0, params.length, 0), params, params.length));

        // the other nexus is told, then its writes are refused; reads still work
        assertSense(f.exec(0, cdb(0x00, 0, 0, 0, 0, 0)), Sense.MODE_PARAMETERS_CHANGED);
        assertSense(f.exec(0, rw10(0x2A, 0, 1, 0), new byte[512]), Sense.SOFTWARE_WRITE_PROTECTED);
        assertGood(f.exec(0, rw10(0x28, 0, 1, 0)));
        byte[] sense = data(f.exec(0, cdb(0x1A, 0x08, 0x0A, 0, 255, 0)));
        assertEquals(0x80, sense[2] & 0x80, "WP in the mode parameter header");
        assertEquals(0x08, sense[4 + 4] & 0x08, "SWP in the control page");

        params[4 + 4] &= ~0x08;
        assertGood(f.exec(ScsiFixture.B, 0, cdb(0x15, 0x10, 0, 0, params.length, 0), params, params.length));
        assertSense(f.exec(0, cdb(0x00, 0, 0, 0, 0, 0)), Sense.MODE_PARAMETERS_CHANGED);
        assertGood(f.exec(0, rw10(0x2A, 0, 1, 0), new byte[512]));
        // a bit that is not changeable is still refused, and nothing is applied
        params[4 + 3] ^= 0x10;
        params[4 + 4] |= 0x08;
        assertSense(f.exec(0, cdb(0x15, 0x10, 0, 0, params.length, 0), params), Sense.INVALID_FIELD_IN_PARAMETER_LIST);
        assertGood(f.exec(0, rw10(0x2A, 0, 1, 0), new byte[512]));
    }

    @Test
    void sanitizeBlockEraseDeallocatesTheWholeThinLun() {
        assertGood(f.exec(0, rw10(0x2A, 7, 1, 0), ScsiFixture.filled(512, 'x')));
        assertSense(f.exec(0, cdb(0x48, 0x42, 0, 0, 0, 0, 0, 0, 0, 0)), Sense.INVALID_FIELD_IN_CDB);   // reserved bit
        assertSense(f.exec(0, cdb(0x48, 0x02, 0, 0, 0, 0, 0, 0, 8, 0), new byte[8]), Sense.INVALID_FIELD_IN_CDB);
        assertSense(f.exec(0, cdb(0x48, 0x01, 0, 0, 0, 0, 0, 0, 0, 0)), Sense.INVALID_FIELD_IN_CDB);   // OVERWRITE: not offered
        assertSense(f.exec(3, cdb(0x48, 0x02, 0, 0, 0, 0, 0, 0, 0, 0)), Sense.WRITE_PROTECTED);
        assertGood(f.exec(0, cdb(0x48, 0x02, 0, 0, 0, 0, 0, 0, 0, 0)));
        assertArrayEquals(new byte[512], data(f.exec(0, rw10(0x28, 7, 1, 0))));
        assertGood(f.exec(0, cdb(0x48, 0x1F, 0, 0, 0, 0, 0, 0, 0, 0)));
        byte[] bdc = data(f.exec(0, cdb(0x12, 1, 0xB1, 0, 64, 0)));
        assertEquals(0x40, bdc[7] & 0xC0, "WABEREQ 01: reads succeed after a block erase");
    }

    @Test
    void reportLunsWorksOnAnyLun() {
        for (long lun : new long[]{0, 42}) {
            byte[] d = data(f.exec(lun, cdb(0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0)));
            assertEquals(16, Cdb.u32(d, 0));
            assertEquals(0, Cdb.u16(d, 8));
            assertEquals(3, Cdb.u16(d, 16));
        }
        assertSense(f.exec(0, cdb(0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0)), Sense.INVALID_FIELD_IN_CDB);
    }

    @Test
    void reportSupportedOpcodesListsExactlyTheTable() {
        byte[] d = data(f.exec(0, cdb(0xA3, 0x0C, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0)));
        int n = (int) Cdb.u32(d, 0) / 8;
        var table = f.target.commands().available(f.target.unit(0));
        assertEquals(table.size(), n);
        for (int i = 0; i < n; i++) {
            int off = 4 + 8 * i;
            var desc = table.get(i);
            assertEquals(desc.opcode(), d[off] & 0xFF);
            assertEquals(desc.hasServiceAction(), (d[off + 5] & 1) != 0);
            assertEquals(desc.cdbLength(), Cdb.u16(d, off + 6));
            // and every listed command is dispatched (not INVALID OPERATION CODE)
            byte[] probe = new byte[16];
            probe[0] = (byte) desc.opcode();
            if (desc.hasServiceAction()) probe[1] = (byte) desc.serviceAction();
            var r = f.exec(0, probe);
            assertTrue(r.sense() == null || !SenseData.decode(r.sense()).equals(Sense.INVALID_OPCODE), desc.name());
            assertTrue(r.sense() == null || !SenseData.decode(r.sense()).equals(Sense.INTERNAL_TARGET_FAILURE), desc.name());
        }
        // a thick writable LUN has no UNMAP
        try (var thick = new ScsiFixture(dir.resolve("thick"), false)) {
            byte[] t = data(thick.exec(0, cdb(0xA3, 0x0C, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0)));
            assertEquals(n - 3, (int) Cdb.u32(t, 0) / 8, "no UNMAP and no SANITIZE on a thick LUN");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void reportSupportedOpcodesOneCommandAndTimeouts() {
        byte[] one = data(f.exec(0, cdb(0xA3, 0x0C, 0x01, 0x28, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0)));
        assertEquals(0x03, one[1] & 0x07, "supported");
        assertEquals(10, Cdb.u16(one, 2));
        assertEquals(0x28, one[4] & 0xFF);
        assertEquals(0x18, one[5] & 0x18, "DPO/FUA in the usage data");
        assertSense(f.exec(0, cdb(0xA3, 0x0C, 0x01, 0x9E, 0, 0x10, 0, 0, 0xFF, 0xFF, 0, 0)), Sense.INVALID_FIELD_IN_CDB);
        byte[] sa = data(f.exec(0, cdb(0xA3, 0x0C, 0x82, 0x9E, 0, 0x10, 0, 0, 0xFF, 0xFF, 0, 0)));
        assertEquals(0x83, sa[1] & 0xFF, "CTDP + supported");
        assertEquals(0x0A, Cdb.u16(sa, 4 + 16));
        byte[] none = data(f.exec(0, cdb(0xA3, 0x0C, 0x01, 0xC7, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0)));
        assertEquals(0x01, none[1] & 0x07, "not supported");
        byte[] rctd = data(f.exec(0, cdb(0xA3, 0x0C, 0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0)));
        assertEquals(0x02, rctd[4 + 5] & 0x02, "CTDP");
        assertEquals(0x0A, Cdb.u16(rctd, 4 + 8));
    }

    @Test
    void unknownServiceActionPointsAtByte1() {
        var r = f.exec(0, cdb(0x9E, 0x1F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0));
        assertSense(r, Sense.INVALID_FIELD_IN_CDB);
        assertEquals(0xC0, r.sense()[15] & 0xC0);
        assertEquals(1, Cdb.u16(r.sense(), 16));
    }

    @Test
    void unitAttentionAfterLoginAndResets() {
        assertGood(f.exec(0, cdb(0x00)));
        f.login(ScsiFixture.B);
        // INQUIRY does not report or clear a unit attention
        f.target.lunReset(0, ScsiFixture.B);
        assertGood(f.exec(ScsiFixture.B, 0, cdb(0x12, 0, 0, 0, 36, 0), null, 36));
        byte[] rs = data(f.exec(ScsiFixture.B, 0, cdb(0x03, 0, 0, 0, 18, 0), null, 18));
        assertEquals(Sense.BUS_DEVICE_RESET, SenseData.decode(rs));
        assertEquals(Sense.NO_SENSE, SenseData.decode(data(f.exec(ScsiFixture.B, 0, cdb(0x03, 0, 0, 0, 18, 0), null, 18))));
        f.target.targetReset(ScsiFixture.B);
        assertSense(f.exec(ScsiFixture.B, 3, cdb(0x00), null, 0), Sense.POWER_ON_RESET);
        assertGood(f.exec(ScsiFixture.B, 3, cdb(0x00), null, 0));
        assertSense(f.exec(ScsiFixture.B, 0, cdb(0x00), null, 0), Sense.POWER_ON_RESET);
        // the other nexus, seen before the reset, gets one too
        assertSense(f.exec(ScsiFixture.A, 0, cdb(0x00), null, 0), Sense.POWER_ON_RESET);
    }

    @Test
    void requestSenseOnMissingLun() {
        byte[] rs = data(f.exec(5, cdb(0x03, 0, 0, 0, 18, 0)));
        assertEquals(Sense.LUN_NOT_SUPPORTED, SenseData.decode(rs));
    }
}
