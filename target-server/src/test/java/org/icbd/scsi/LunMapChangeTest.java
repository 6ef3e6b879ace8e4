package org.icbd.scsi;

import static org.icbd.scsi.ScsiFixture.A;
import static org.icbd.scsi.ScsiFixture.B;
import static org.icbd.scsi.ScsiFixture.assertGood;
import static org.icbd.scsi.ScsiFixture.assertSense;
import static org.icbd.scsi.ScsiFixture.cdb;
import static org.icbd.scsi.ScsiFixture.data;
import static org.icbd.scsi.ScsiFixture.rw10;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.icbd.storage.BlockDevice;
import org.icbd.storage.FileBlockDevice;
import org.icbd.storage.ForwardingBlockDevice;
import org.icbd.storage.LunIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LUNs added to and removed from a target in use: REPORTED LUNS DATA HAS CHANGED (ASC 0x3F, ASCQ 0x0E)
 * queued per I_T nexus, reported once per change whichever LUN the nexus addresses, cleared by REPORT
 * LUNS; a removed LUN's running command ends before its device is given back. Checked on the bytes of
 * the sense data and of REPORT LUNS.
 */
class LunMapChangeTest {

    private static final byte[] TEST_UNIT_READY = cdb(0x00);
    private static final byte[] REPORT_LUNS = cdb(0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0);

    @TempDir
    Path dir;
    ScsiFixture f;
    FileBlockDevice added;

    @BeforeEach
    void setUp() throws Exception {
        f = new ScsiFixture(dir);
        f.login(A);
        f.login(B);
        Path img = dir.resolve("added.img");
        byte[] content = new byte[(int) (ScsiFixture.BLOCKS * 512)];
        Arrays.fill(content, (byte) 0x5A);
        Files.write(img, content);
        added = FileBlockDevice.open(img, true, 512, LunIdentity.fromVolumeKey("vol-added"), null);
    }

    @AfterEach
    void tearDown() throws Exception {
        added.close();
        f.close();
    }

    @Test
    void senseBytesOfTheUnitAttention() {
        f.target.addUnit(5, added);
        ScsiResponse r = f.exec(A, 0, TEST_UNIT_READY, null, 0);
        assertEquals(ScsiResponse.CHECK_CONDITION, r.status());
        byte[] s = r.sense();
        assertEquals(0x70, s[0] & 0x7F, "fixed format");
        assertEquals(0x06, s[2] & 0x0F, "sense key UNIT ATTENTION");
        assertEquals(0x3F, s[12] & 0xFF, "ASC");
        assertEquals(0x0E, s[13] & 0xFF, "ASCQ: REPORTED LUNS DATA HAS CHANGED");
    }

    @Test
    void addedLunIsReportedOncePerNexusAndServed() {
        f.target.addUnit(5, added);
        // nexus A: on the first command, whichever LUN; not again on another LUN
        assertSense(f.exec(A, 3, TEST_UNIT_READY, null, 0), Sense.REPORTED_LUNS_DATA_CHANGED);
        assertGood(f.exec(A, 0, TEST_UNIT_READY, null, 0));
        assertGood(f.exec(A, 3, TEST_UNIT_READY, null, 0));
        assertGood(f.exec(A, 5, TEST_UNIT_READY, null, 0));
        // nexus B has its own: REPORT LUNS lists the new LUN and clears it
        byte[] luns = data(f.exec(B, 0, REPORT_LUNS, null, 256));
        assertArrayEquals(new byte[] {0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0},
                luns);
        assertGood(f.exec(B, 0, TEST_UNIT_READY, null, 0));
        assertGood(f.exec(B, 5, TEST_UNIT_READY, null, 0));
        byte[] read = data(f.exec(B, 5, rw10(0x28, 7, 1, 0), null, 512));
        byte[] expected = new byte[512];
        Arrays.fill(expected, (byte) 0x5A);
        assertArrayEquals(expected, read);
    }

    @Test
    void requestSenseHandsItOverOnce() {
        f.target.addUnit(5, added);
        byte[] rs = data(f.exec(A, 5, cdb(0x03, 0, 0, 0, 18, 0), null, 18));
        assertEquals(0x3F, rs[12] & 0xFF);
        assertEquals(0x0E, rs[13] & 0xFF);
        assertEquals(Sense.NO_SENSE, SenseData.decode(data(f.exec(A, 0, cdb(0x03, 0, 0, 0, 18, 0), null, 18))));
        assertGood(f.exec(A, 3, TEST_UNIT_READY, null, 0));
    }

    @Test
    void olderConditionsComeFirstAndOneChangeIsQueuedOnce() throws Exception {
        f.target.lunReset(0, B); // BUS DEVICE RESET pending on LUN 0 for both nexuses
        f.target.addUnit(5, added);
        assertSame(added, f.target.removeUnit(5, 1000).device());
        f.target.addUnit(6, added); // three changes before A hears of any: one condition
        assertSense(f.exec(A, 0, TEST_UNIT_READY, null, 0), Sense.BUS_DEVICE_RESET);
        assertSense(f.exec(A, 0, TEST_UNIT_READY, null, 0), Sense.REPORTED_LUNS_DATA_CHANGED);
        assertGood(f.exec(A, 0, TEST_UNIT_READY, null, 0));
        assertGood(f.exec(A, 6, TEST_UNIT_READY, null, 0));
        // REPORT LUNS clears only the LUN change: the reset is still reported
        data(f.exec(B, 3, REPORT_LUNS, null, 256));
        assertGood(f.exec(B, 3, TEST_UNIT_READY, null, 0));
        assertSense(f.exec(B, 0, TEST_UNIT_READY, null, 0), Sense.BUS_DEVICE_RESET);
        assertGood(f.exec(B, 0, TEST_UNIT_READY, null, 0));
    }

    @Test
    void aNexusLoggedInAfterTheChangeOnlyHearsOfItsLogin() {
        f.target.addUnit(5, added);
        Nexus c = new Nexus("iqn.1994-05.com.example:c", "400001370002", ScsiFixture.TARGET, 1);
        f.login(c); // POWER ON RESET on every LUN, the new one included, and nothing after it
        assertGood(f.exec(c, 0, TEST_UNIT_READY, null, 0));
    }

    /**
     * Every LUN unmapped under logged-in nexuses: on LUN 0, which no longer exists, INQUIRY answers peripheral
     * qualifier 011b and REPORT LUNS an empty list (neither reports the change; REPORT LUNS clears it), REQUEST
     * SENSE hands the change over, any other command reports it once, then LOGICAL UNIT NOT SUPPORTED. A LUN
     * mapped again reports the news it holds, once, and serves.
     */
    @Test
    void aTargetWithoutLunsStillReportsTheChangeAndTheNextLunCarriesIt() throws Exception {
        Nexus c = new Nexus("iqn.1994-05.com.example:c", "400001370002", ScsiFixture.TARGET, 1);
        f.login(c);
        for (Nexus n : new Nexus[] {A, B, c}) data(f.exec(n, 0, REPORT_LUNS, null, 256)); // nothing pending before the change
        assertGood(f.exec(c, 3, TEST_UNIT_READY, null, 0));
        f.target.removeUnit(0, 1000).device().close();
        f.target.removeUnit(3, 1000).device().close();

        byte[] inquiry = data(f.exec(A, 0, cdb(0x12, 0, 0, 0, 96, 0), null, 96));
        assertEquals(0x7F, inquiry[0] & 0xFF, "peripheral qualifier 011b, device type 1Fh: no logical unit here");
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0}, data(f.exec(A, 0, REPORT_LUNS, null, 256)), "an empty LUN list");
        assertSense(f.exec(A, 0, TEST_UNIT_READY, null, 0), Sense.LUN_NOT_SUPPORTED); // REPORT LUNS cleared the change

        data(f.exec(B, 0, cdb(0x12, 0, 0, 0, 96, 0), null, 96)); // INQUIRY neither reports nor clears it
        ScsiResponse ua = f.exec(B, 0, TEST_UNIT_READY, null, 0);
        assertEquals(ScsiResponse.CHECK_CONDITION, ua.status());
        assertEquals(0x06, ua.sense()[2] & 0x0F, "sense key UNIT ATTENTION");
        assertEquals(0x3F, ua.sense()[12] & 0xFF);
        assertEquals(0x0E, ua.sense()[13] & 0xFF, "REPORTED LUNS DATA HAS CHANGED");
        assertSense(f.exec(B, 0, TEST_UNIT_READY, null, 0), Sense.LUN_NOT_SUPPORTED);

        byte[] rs = data(f.exec(c, 0, cdb(0x03, 0, 0, 0, 18, 0), null, 18));
        assertEquals(0x06, rs[2] & 0x0F, "REQUEST SENSE hands the unit attention over");
        assertEquals(0x3F, rs[12] & 0xFF);
        assertEquals(0x0E, rs[13] & 0xFF);
        assertEquals(Sense.LUN_NOT_SUPPORTED, SenseData.decode(data(f.exec(c, 0, cdb(0x03, 0, 0, 0, 18, 0), null, 18))));
        assertSense(f.exec(c, 0, TEST_UNIT_READY, null, 0), Sense.LUN_NOT_SUPPORTED);

        f.target.addUnit(0, added);
        for (Nexus n : new Nexus[] {A, B, c}) {
            assertSense(f.exec(n, 0, TEST_UNIT_READY, null, 0), Sense.REPORTED_LUNS_DATA_CHANGED);
            assertGood(f.exec(n, 0, TEST_UNIT_READY, null, 0));
        }
        byte[] luns = data(f.exec(A, 0, REPORT_LUNS, null, 256));
        assertArrayEquals(new byte[] {0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, luns, "LUN 0 again");
    }

    @Test
    void removedLunEndsItsRunningCommandThenAnswersNotSupported() throws Exception {
        CountDownLatch inRead = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BlockDevice slow = new ForwardingBlockDevice(added) {
            @Override
            public void read(long offset, ByteBuffer dst) throws IOException {
                inRead.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                super.read(offset, dst);
            }
        };
        f.target.addUnit(5, slow);
        data(f.exec(A, 0, REPORT_LUNS, null, 256));
        data(f.exec(B, 0, REPORT_LUNS, null, 256));
        // threads of their own: the common pool may have one thread on a small machine
        var threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory());
        CompletableFuture<ScsiResponse> running = CompletableFuture.supplyAsync(() -> f.exec(A, 5, rw10(0x28, 0, 8, 0), null, 4096), threads);
        assertTrue(inRead.await(10, TimeUnit.SECONDS));
        CompletableFuture<LogicalUnit> removal = CompletableFuture.supplyAsync(() -> {
            try {
                return f.target.removeUnit(5, 30_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, threads);
        // the LUN is gone for new commands at once, while the read it accepted still runs
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (f.target.luns().contains(5L) && System.nanoTime() < until) Thread.sleep(5);
        assertSense(f.exec(B, 5, TEST_UNIT_READY, null, 0), Sense.LUN_NOT_SUPPORTED);
        Thread.sleep(200);
        assertFalse(removal.isDone(), "the device is not handed back while a command runs on it");
        release.countDown();
        byte[] read = data(running.get(10, TimeUnit.SECONDS));
        assertEquals(0x5A, read[4095] & 0xFF);
        assertSame(slow, removal.get(10, TimeUnit.SECONDS).device());
        // later commands: LOGICAL UNIT NOT SUPPORTED; the LUNs that remain report the change once
        assertSense(f.exec(A, 5, rw10(0x28, 0, 1, 0), null, 512), Sense.LUN_NOT_SUPPORTED);
        assertSense(f.exec(A, 0, TEST_UNIT_READY, null, 0), Sense.REPORTED_LUNS_DATA_CHANGED);
        assertGood(f.exec(A, 3, TEST_UNIT_READY, null, 0));
        byte[] luns = data(f.exec(B, 3, REPORT_LUNS, null, 256));
        assertEquals(16, luns[3], "two LUNs left");
        assertEquals(3, luns[17]);
        assertGood(f.exec(B, 0, TEST_UNIT_READY, null, 0));
        assertNull(f.target.unit(5));
        threads.close();
    }
}
