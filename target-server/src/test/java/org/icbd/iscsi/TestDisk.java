package org.icbd.iscsi;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.icbd.scsi.LogicalUnitSet;
import org.icbd.storage.BlockDevice;
import org.icbd.storage.FileBlockDevice;

/** A sparse image file served as LUN 0 of an open target, for tests that talk to a real portal. */
final class TestDisk implements AutoCloseable {
    final BlockDevice device;
    final ExportedTarget target;

    TestDisk(Path dir, String iqn, int mib) throws IOException {
        this(dir, iqn, mib, d -> d);
    }

    /** @param wrap what the target serves in place of the file (a test's fault, say) */
    TestDisk(Path dir, String iqn, int mib, UnaryOperator<BlockDevice> wrap) throws IOException {
        Path img = dir.resolve(iqn.replace(':', '_') + ".img");
        try (FileChannel f = FileChannel.open(img, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            f.truncate(0).write(ByteBuffer.allocate(1), ((long) mib << 20) - 1);
        }
        device = FileBlockDevice.open(img, false);
        SortedMap<Long, BlockDevice> luns = new TreeMap<>();
        luns.put(0L, wrap.apply(device));
        target = new ExportedTarget(iqn, "", new LogicalUnitSet(iqn, luns), Optional.empty(), Optional.empty(), List.of());
    }

    /** A started single-portal node on a free loopback port serving this disk's target. */
    IscsiServer serve(IscsiSettings settings) throws IOException {
        IscsiServer server = new IscsiServer(settings, LoginNegotiatorTest.registry(target), new SimpleMeterRegistry());
        server.start(new InetSocketAddress("127.0.0.1", 0));
        return server;
    }

    @Override
    public void close() throws IOException {
        device.close();
    }
}
