package org.icbd.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.icbd.config.ConfigLoader;
import org.icbd.config.IcbdConfig;
import org.icbd.node.IscsiService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with two portals is one node to its initiators: sessions through either are in one
 * registry, so reinstatement, max-sessions and PREEMPT AND ABORT reach across portals.
 */
class TwoPortalsTest {

    static final String IQN = "iqn.2026-11.org.icbd:two";
    static final String A = "iqn.2026-11.org.example:a";
    static final String B = "iqn.2026-11.org.example:b";

    @TempDir
    Path dir;
    IscsiService service;
    InetSocketAddress first;
    InetSocketAddress second;

    void start(int maxSessions) throws Exception {
        try (FileChannel f = FileChannel.open(dir.resolve("disk.img"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.allocate(1), (16 << 20) - 1);
        }
        IcbdConfig config = new ConfigLoader().parse("""
                portals: ["127.0.0.1:0", "127.0.0.2:0"]
                metrics: off
                cache: off
                iscsi: {max-sessions: %d}
                targets:
                  - iqn: %s
                    luns: [disk.img]
                """.formatted(maxSessions, IQN), dir);
        service = IscsiService.open(config, null, new SimpleMeterRegistry());
        first = service.portals().get(0);
        second = service.portals().get(1);
    }

    @AfterEach
    void stop() {
        if (service != null) service.close();
    }

    static RawInitiator login(InetSocketAddress at, String initiator, int isid) throws IOException {
        RawInitiator c = new RawInitiator(at);
        assertEquals(LoginStatus.SUCCESS, RawInitiator.loginStatus(
                c.login(initiator, IQN, new byte[] {0x40, 0, 0, 0, 0, (byte) isid}, Map.of())));
        c.takeUnitAttention();
        return c;
    }

    /** PERSISTENT RESERVE OUT with {@code key} and {@code serviceActionKey}, type Write Exclusive. */
    static byte[] reserveOut(int itt, int cmdSn, int serviceAction, long key, long serviceActionKey) {
        byte[] cdb = new byte[10];
        cdb[0] = 0x5F;
        cdb[1] = (byte) serviceAction;
        cdb[2] = 1;  // Write Exclusive
        cdb[8] = 24;
        byte[] params = new byte[24];
        ByteBuffer.wrap(params).putLong(key).putLong(serviceActionKey);
        return RawInitiator.command(itt, cmdSn, false, true, 24, cdb, params).wire();
    }

    @Test
    void preemptAndAbortThroughOnePortalAbortsTasksOfTheOther() throws Exception {
        start(16);
        try (RawInitiator b = login(second, B, 2); RawInitiator a = login(first, A, 1)) {
            b.send(reserveOut(0x10, 1, 0, 0, 0xB));   // REGISTER key B
            assertEquals(0, RawInitiator.status(b.response(0x10)));
            b.send(reserveOut(0x11, 2, 1, 0xB, 0));   // RESERVE
            assertEquals(0, RawInitiator.status(b.response(0x11)));
            a.send(reserveOut(0x20, 1, 0, 0, 0xA));   // REGISTER key A
            assertEquals(0, RawInitiator.status(a.response(0x20)));
            b.send(RawInitiator.write10(0x12, 3, 0, 8, new byte[0]));  // a write waiting for its data
            RawPdu r2t = b.next(Opcode.R2T);
            a.send(reserveOut(0x21, 2, 5, 0xA, 0xB));  // PREEMPT AND ABORT B
            assertEquals(0, RawInitiator.status(a.response(0x21)));
            b.send(RawInitiator.dataOut(0x12, Bhs.i32(r2t.bhs(), 20), 0, 0, new byte[4096], true));
            b.send(RawInitiator.testUnitReady(0x13, 4));
            // the aborted write is never answered: the next response is the TEST UNIT READY's
            RawPdu next = b.response(0x13);
            assertEquals(0x13, Bhs.itt(next.bhs()));
        }
    }

    @Test
    void sameInitiatorThroughTheOtherPortalReinstatesItsSession() throws Exception {
        start(16);
        try (RawInitiator one = login(first, A, 7); RawInitiator two = login(second, A, 7)) {
            assertTrue(one.closedByTarget(5000), "the session through the first portal is replaced");
            assertEquals(1, service.sessionCount());
            two.send(RawInitiator.testUnitReady(0x30, 1));
            assertEquals(0, RawInitiator.status(two.response(0x30)));
        }
    }

    @Test
    void maxSessionsCountsEveryPortal() throws Exception {
        start(1);
        try (RawInitiator one = login(first, A, 1); RawInitiator two = new RawInitiator(second)) {
            assertEquals(LoginStatus.OUT_OF_RESOURCES, RawInitiator.loginStatus(
                    two.login(B, IQN, new byte[] {0x40, 0, 0, 0, 0, 2}, Map.of())));
        }
    }
}
