package org.icbd.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a target on a site network meets: scanners, broken initiators, half-open logins.
 * Each must cost only its own connection, never the server or another session.
 */
class HostileInputTest {

    static final String IQN = "iqn.2026-11.org.icbd:hostile";
    static final String INIT = "iqn.2026-11.org.example:client";

    @TempDir
    Path dir;
    IscsiServer server;
    TestDisk disk;

    IscsiServer start(IscsiSettings settings) throws IOException {
        disk = new TestDisk(dir, IQN, 16);
        server = disk.serve(settings);
        return server;
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) server.close();
        if (disk != null) disk.close();
    }

    static IscsiSettings settings(int maxSessions, Duration login, Duration nopInterval, Duration nopTimeout) {
        IscsiSettings d = IscsiSettings.defaults();
        return d.withSessions(maxSessions, d.queueDepth())
                .withTimeouts(login, nopInterval, nopTimeout, d.dataOutTimeout(), d.sendTimeout());
    }

    private void assertServerStillServes() throws IOException {
        try (RawInitiator ok = new RawInitiator(server.boundAddress())) {
            RawPdu resp = ok.login(INIT, IQN, new byte[] {0x40, 1, 2, 3, 4, 5});
            assertEquals(Opcode.LOGIN_RESPONSE, resp.opcode());
            assertEquals(LoginStatus.SUCCESS, RawInitiator.loginStatus(resp));
        }
    }

    @Test
    void halfLoginIsClosedAfterLoginTimeout() throws Exception {
        start(settings(16, Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(30)));
        try (RawInitiator slow = new RawInitiator(server.boundAddress())) {
            slow.send(new byte[20]);  // a third of a header, then nothing
            long t0 = System.nanoTime();
            assertTrue(slow.closedByTarget(8000), "half-open login must be closed");
            assertTrue(System.nanoTime() - t0 < 6_000_000_000L);
            assertServerStillServes();
        }
    }

    @Test
    void garbageBeforeLoginClosesOnlyThatConnection() throws Exception {
        start(IscsiSettings.defaults());
        try (RawInitiator other = new RawInitiator(server.boundAddress())) {
            assertEquals(LoginStatus.SUCCESS, RawInitiator.loginStatus(other.login(INIT, IQN, new byte[] {0x40, 0, 0, 0, 0, 9})));
            Random r = new Random(42);
            for (int i = 0; i < 20; i++) {
                try (RawInitiator bad = new RawInitiator(server.boundAddress())) {
                    byte[] junk = new byte[48 + r.nextInt(400)];
                    r.nextBytes(junk);
                    junk[0] = (byte) (junk[0] & 0x3F | (i % 2 == 0 ? 0 : 0x43));
                    bad.send(junk);
                    assertTrue(bad.closedByTarget(5000), "garbage #" + i + " must end in a closed connection");
                }
            }
            // the established session still answers a NOP-Out ping
            PduBytes nop = new PduBytes(Opcode.NOP_OUT).immediate().flags(0x80).i32(16, 0x1234).i32(20, Opcode.NO_TAG)
                    .i32(24, 1);
            other.send(nop.wire());
            RawPdu in = other.read();
            assertEquals(Opcode.NOP_IN, in.opcode());
            assertEquals(0x1234, Bhs.itt(in.bhs()));
        }
    }

    @Test
    void oversizedSegmentAnnouncementClosesWithoutAllocating() throws Exception {
        start(IscsiSettings.defaults());
        try (RawInitiator bad = new RawInitiator(server.boundAddress())) {
            byte[] bhs = new byte[Bhs.LENGTH];
            bhs[0] = 0x43;
            Bhs.put24(bhs, 5, 0xFFFFFF);  // 16 MiB of login text announced
            bad.send(bhs);
            assertTrue(bad.closedByTarget(5000));
        }
        assertServerStillServes();
    }

    @Test
    void malformedPduInFullFeaturePhaseIsRejectedAndSessionSurvives() throws Exception {
        start(IscsiSettings.defaults());
        try (RawInitiator c = new RawInitiator(server.boundAddress())) {
            assertEquals(LoginStatus.SUCCESS, RawInitiator.loginStatus(c.login(INIT, IQN, new byte[] {0x40, 0, 0, 0, 0, 1})));
            // SCSI command with immediate data but no W bit
            c.send(new PduBytes(Opcode.SCSI_COMMAND).flags(0xC1).i32(16, 5).i32(20, 8).i32(24, 1).data(new byte[8]).wire());
            RawPdu rej = c.read();
            assertEquals(Opcode.REJECT, rej.opcode());
            assertEquals(RejectReason.INVALID_PDU_FIELD, rej.bhs()[2]);
            assertEquals(Bhs.LENGTH, rej.data().length, "the rejected header is echoed");
            // an opcode nobody defined
            c.send(new PduBytes(0x1c).flags(0x80).i32(16, 6).wire());
            RawPdu rej2 = c.read();
            assertEquals(Opcode.REJECT, rej2.opcode());
            assertEquals(RejectReason.COMMAND_NOT_SUPPORTED, rej2.bhs()[2]);
            // still alive: TEST UNIT READY answers
            c.send(new PduBytes(Opcode.SCSI_COMMAND).flags(0x81).i32(16, 7).i32(24, 1).wire());
            RawPdu resp = c.read();
            assertEquals(Opcode.SCSI_RESPONSE, resp.opcode());
            assertEquals(7, Bhs.itt(resp.bhs()));
        }
    }

    @Test
    void sessionLimitRefusesWithOutOfResources() throws Exception {
        start(settings(1, Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofSeconds(30)));
        try (RawInitiator a = new RawInitiator(server.boundAddress());
             RawInitiator b = new RawInitiator(server.boundAddress())) {
            assertEquals(LoginStatus.SUCCESS, RawInitiator.loginStatus(a.login(INIT, IQN, new byte[] {0x40, 0, 0, 0, 0, 1})));
            assertEquals(LoginStatus.OUT_OF_RESOURCES, RawInitiator.loginStatus(b.login(INIT, IQN, new byte[] {0x40, 0, 0, 0, 0, 2})));
        }
    }

    @Test
    void idleInitiatorIsPingedAndDroppedWhenSilent() throws Exception {
        start(settings(16, Duration.ofSeconds(15), Duration.ofSeconds(1), Duration.ofSeconds(2)));
        try (RawInitiator c = new RawInitiator(server.boundAddress())) {
            assertEquals(LoginStatus.SUCCESS, RawInitiator.loginStatus(c.login(INIT, IQN, new byte[] {0x40, 0, 0, 0, 0, 1})));
            RawPdu ping = c.read();
            assertEquals(Opcode.NOP_IN, ping.opcode());
            assertEquals(Opcode.NO_TAG, Bhs.itt(ping.bhs()));
            assertFalse(Bhs.i32(ping.bhs(), 20) == Opcode.NO_TAG, "a ping carries a TTT to answer");
            assertTrue(c.closedByTarget(6000), "an initiator that never answers is dropped");
        }
    }

    @Test
    void loginWithSameIsidReinstatesTheSession() throws Exception {
        start(IscsiSettings.defaults());
        byte[] isid = {0x40, 0, 0, 0, 0, 7};
        try (RawInitiator first = new RawInitiator(server.boundAddress());
             RawInitiator second = new RawInitiator(server.boundAddress())) {
            assertEquals(LoginStatus.SUCCESS, RawInitiator.loginStatus(first.login(INIT, IQN, isid)));
            assertEquals(LoginStatus.SUCCESS, RawInitiator.loginStatus(second.login(INIT, IQN, isid)));
            assertTrue(first.closedByTarget(5000), "the old connection of a reinstated session is closed");
            assertEquals(1, server.sessionCount());
        }
    }
}
