package org.icbd.scsi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.icbd.storage.BlockDevice;

/** INQUIRY: standard data and the vital product data pages (SPC-4 6.6, 7.8; SBC-3 6.6). */
final class InquiryCommand {

    static final String VENDOR = "ICBD";
    static final String PRODUCT = "icbd volume";
    static final String REVISION = "0001";

    /** Limits we advertise in the Block Limits VPD and enforce in the handlers. */
    /**
     * Default for the largest READ/WRITE we accept. Reads allocate a buffer of this size, so it
     * bounds memory per command; 64 MiB is above what any initiator we serve sends (Linux caps
     * I/O far lower) and what libiscsi's 65536-block tests need.
     */
    static final int DEFAULT_MAX_TRANSFER_BYTES = 64 << 20;
    static final int MAX_COMPARE_AND_WRITE_BLOCKS = 64;
    static final long MAX_UNMAP_BLOCKS = 1 << 20;
    static final int MAX_UNMAP_DESCRIPTORS = 256;
    static final long MAX_WRITE_SAME_BLOCKS = 1 << 20;

    private static final int[] SUPPORTED_VPD = {0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2};

    private InquiryCommand() {
    }

    static ScsiResponse execute(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        Cdb.requireLength(cdb, 6);
        boolean evpd = (cdb[1] & 0x01) != 0;
        if ((cdb[1] & 0x02) != 0) throw CommandFailure.invalidCdbField(1, 1); // CMDDT is obsolete
        int page = Cdb.u8(cdb, 2);
        int alloc = Cdb.u16(cdb, 3);
        if (!evpd) {
            if (page != 0) throw CommandFailure.invalidCdbField(2, -1);
            return Responses.parameterData(standard(0x00), alloc);
        }
        BlockDevice dev = ctx.device();
        byte[] data = switch (page) {
            case 0x00 -> supportedPages();
            case 0x80 -> unitSerial(dev);
            case 0x83 -> deviceIdentification(dev, ctx.nexus(), ctx.target().targetName());
            case 0xB0 -> blockLimits(dev, ctx.target().maxTransferBytes());
            case 0xB1 -> blockDeviceCharacteristics(ctx.unit());
            case 0xB2 -> logicalBlockProvisioning(dev);
            default -> throw CommandFailure.invalidCdbField(2, -1);
        };
        return Responses.parameterData(data, alloc);
    }

    /**
     * Answer for a LUN that does not exist: SPC-4 wants INQUIRY to succeed with peripheral
     * qualifier 3 / device type 0x1F so scanners learn "nothing here" without an error.
     */
    static ScsiResponse missingLun(ScsiRequest request) {
        byte[] cdb = request.cdb();
        if (cdb.length < 6) throw CommandFailure.check(Sense.INVALID_FIELD_IN_CDB);
        if ((cdb[1] & 0x03) != 0 || cdb[2] != 0) throw CommandFailure.check(Sense.LUN_NOT_SUPPORTED);
        return Responses.parameterData(standard(0x7F), Cdb.u16(cdb, 3));
    }

    static byte[] standard(int peripheral) {
        byte[] b = new byte[96];
        b[0] = (byte) peripheral;
        b[1] = 0;           // RMB=0: not removable
        b[2] = 0x06;        // SPC-4
        b[3] = 0x12;        // HISUP, response data format 2
        b[4] = (byte) (b.length - 5);
        b[5] = 0;           // no SCCS, ACC, TPGS (no ALUA), 3PC, PROTECT
        b[6] = 0;
        b[7] = 0x02;        // CMDQUE
        ascii(b, 8, 8, VENDOR);
        ascii(b, 16, 16, PRODUCT);
        ascii(b, 32, 4, REVISION);
        int[] versions = {0x00A0 /* SAM-5 */, 0x0960 /* iSCSI */, 0x0460 /* SPC-4 */, 0x04C0 /* SBC-3 */};
        for (int i = 0; i < versions.length; i++) Cdb.put16(b, 58 + 2 * i, versions[i]);
        return b;
    }

    static byte[] supportedPages() {
        byte[] b = new byte[4 + SUPPORTED_VPD.length];
        b[1] = 0x00;
        Cdb.put16(b, 2, SUPPORTED_VPD.length);
        for (int i = 0; i < SUPPORTED_VPD.length; i++) b[4 + i] = (byte) SUPPORTED_VPD[i];
        return b;
    }

    static byte[] unitSerial(BlockDevice dev) {
        byte[] serial = dev.identity().serial().getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[4 + serial.length];
        b[1] = (byte) 0x80;
        Cdb.put16(b, 2, serial.length);
        System.arraycopy(serial, 0, b, 4, serial.length);
        return b;
    }

    /**
     * Logical-unit designators come from the volume identity (stable across failover); the port
     * designators from the nexus the command arrived on, as SPC-4 7.8.6 asks.
     */
    static byte[] deviceIdentification(BlockDevice dev, Nexus nexus, String targetName) {
        var out = new ByteArrayOutputStream();
        // NAA (binary, LU association)
        designator(out, 0x01, 0x03, dev.identity().naa());
        // T10 vendor ID (ASCII, LU association): vendor padded to 8 + serial
        byte[] t10 = new byte[8 + dev.identity().serial().length()];
        ascii(t10, 0, 8, VENDOR);
        byte[] serial = dev.identity().serial().getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(serial, 0, t10, 8, serial.length);
        designator(out, 0x02, 0x01, t10);
        // relative target port (iSCSI, PIV, target port association)
        designator(out, 0x50 | 0x01, 0x80 | 0x10 | 0x04, new byte[]{0, 0, 0, 1});
        // SCSI name string of the target port and of the target device (UTF-8)
        if (nexus != null) designator(out, 0x50 | 0x03, 0x80 | 0x10 | 0x08, nameString(nexus.targetPort()));
        designator(out, 0x50 | 0x03, 0x80 | 0x20 | 0x08, nameString(targetName));
        byte[] body = out.toByteArray();
        byte[] b = new byte[4 + body.length];
        b[1] = (byte) 0x83;
        Cdb.put16(b, 2, body.length);
        System.arraycopy(body, 0, b, 4, body.length);
        return b;
    }

    private static void designator(ByteArrayOutputStream out, int protocolAndCodeSet, int pivAssocType, byte[] id) {
        out.write(protocolAndCodeSet);
        out.write(pivAssocType);
        out.write(0);
        out.write(id.length);
        out.writeBytes(id);
    }

    /** SCSI name strings are null-terminated and padded to a multiple of 4 bytes (SPC-4 7.8.6.11). */
    private static byte[] nameString(String s) {
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        int len = (raw.length + 1 + 3) & ~3;
        byte[] b = new byte[Math.min(len, 252)];
        System.arraycopy(raw, 0, b, 0, Math.min(raw.length, b.length - 1));
        return b;
    }

    static byte[] blockLimits(BlockDevice dev, int maxTransferBytes) {
        byte[] b = new byte[64];
        b[1] = (byte) 0xB0;
        Cdb.put16(b, 2, 0x3C);
        b[4] = 0x01; // WSNZ: WRITE SAME with 0 blocks ("to the end") is refused, it is too easy to misuse
        b[5] = (byte) MAX_COMPARE_AND_WRITE_BLOCKS;
        int blockSize = dev.blockSize();
        int perPage = Math.max(1, 4096 / blockSize);
        Cdb.put16(b, 6, perPage);                                   // optimal transfer length granularity
        Cdb.put32(b, 8, maxTransferBytes / blockSize);            // maximum transfer length
        Cdb.put32(b, 12, (1 << 20) / blockSize);                    // optimal transfer length
        Cdb.put32(b, 16, maxTransferBytes / blockSize);           // maximum prefetch length
        if (dev.supportsUnmap()) {
            Cdb.put32(b, 20, MAX_UNMAP_BLOCKS);
            Cdb.put32(b, 24, MAX_UNMAP_DESCRIPTORS);
            Cdb.put32(b, 28, perPage);                              // optimal unmap granularity
        }
        Cdb.put64(b, 36, MAX_WRITE_SAME_BLOCKS);
        // WRITE ATOMIC(16): any alignment and length up to the maximum, no atomic boundaries
        Cdb.put32(b, 44, WriteAtomicCommand.maxAtomicBlocks(blockSize, maxTransferBytes));
        return b;
    }

    static byte[] blockDeviceCharacteristics(LogicalUnit lu) {
        byte[] b = new byte[64];
        b[1] = (byte) 0xB1;
        Cdb.put16(b, 2, 0x3C);
        Cdb.put16(b, 4, 0x0001); // non-rotating medium
        // WABEREQ 01: after SANITIZE BLOCK ERASE reads succeed (and return zeros)
        if (SanitizeCommand.availableOn(lu)) b[7] = 0x40;
        return b;
    }

    static byte[] logicalBlockProvisioning(BlockDevice dev) {
        byte[] b = new byte[8];
        b[1] = (byte) 0xB2;
        Cdb.put16(b, 2, 4);
        if (dev.supportsUnmap()) {
            // UNMAP, WRITE SAME(16)/(10) with UNMAP; punched holes read back as zeros
            b[5] = (byte) (0x80 | 0x40 | 0x20 | 0x04);
            b[6] = 0x02; // thin provisioned
        }
        return b;
    }

    private static void ascii(byte[] b, int off, int len, String s) {
        byte[] raw = s.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < len; i++) b[off + i] = i < raw.length ? raw[i] : (byte) ' ';
    }
}
