package org.icbd.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.icbd.scsi.LogicalUnitSet;
import org.icbd.storage.BlockDevice;
import org.icbd.storage.FileBlockDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A portal whose gate closes answers nothing more: no ping, no login; the connection is closed instead. */
class ServingGateTest {

    private static final String IQN = "iqn.2026-11.org.icbd:gated";
    private static final String INIT = "iqn.2026-11.org.example:client";

    @TempDir
    Path dir;
    private final AtomicBoolean open = new AtomicBoolean(true);
    private IscsiServer server;
    private BlockDevice device;

    @BeforeEach
    void start() throws IOException {
        Path img = dir.resolve("disk.img");
        try (FileChannel f = FileChannel.open(img, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.allocate(1), (1 << 20) - 1);
        }
        device = FileBlockDevice.open(img, false);
        SortedMap<Long, BlockDevice> luns = new TreeMap<>();
        luns.put(0L, device);
        ExportedTarget t = new ExportedTarget(IQN, "", new LogicalUnitSet(IQN, luns), Optional.empty(), Optional.empty(), List.of());
        server = new IscsiServer(IscsiSettings.defaults(), LoginNegotiatorTest.registry(t), open::get, new SimpleMeterRegistry());
        server.start(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        device.close();
    }

    private static byte[] ping(int itt) {
        return new PduBytes(Opcode.NOP_OUT).immediate().flags(0x80).i32(16, itt).i32(20, Opcode.NO_TAG).i32(24, 1).wire();
    }

    @Test
    void aSessionIsAnsweredWhileTheGateIsOpenAndClosedUnansweredOnceItShuts() throws Exception {
        try (RawInitiator session = new RawInitiator(server.boundAddress())) {
            assertEquals(LoginStatus.SUCCESS, RawInitiator.loginStatus(session.login(INIT, IQN, new byte[] {0x40, 0, 0, 0, 0, 1})));
            session.send(ping(0x11));
            assertEquals(Opcode.NOP_IN, session.read().opcode());

            open.set(false);
            session.send(ping(0x12));
            IOException e = assertThrows(IOException.class, session::read, "the ping is not answered");
            assertTrue(e instanceof EOFException || e instanceof SocketException, "the connection is closed: " + e);
        }
    }

    @Test
    void noLoginIsAnsweredWhileTheGateIsShut() throws Exception {
        open.set(false);
        try (RawInitiator late = new RawInitiator(server.boundAddress())) {
            assertThrows(IOException.class, () -> late.login(INIT, IQN, new byte[] {0x40, 0, 0, 0, 0, 2}),
                    "the login gets no response, only a closed connection");
        }
        open.set(true);
        try (RawInitiator ok = new RawInitiator(server.boundAddress())) {
            assertEquals(LoginStatus.SUCCESS, RawInitiator.loginStatus(ok.login(INIT, IQN, new byte[] {0x40, 0, 0, 0, 0, 3})));
        }
    }
}
