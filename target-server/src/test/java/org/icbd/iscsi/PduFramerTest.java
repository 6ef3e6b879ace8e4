package org.icbd.iscsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PduFramerTest {

    private static List<PduBytes> samplePdus() {
        Random r = new Random(7);
        byte[] d1 = new byte[5];      // needs 3 bytes of padding
        byte[] d2 = new byte[4096];
        r.nextBytes(d1);
        r.nextBytes(d2);
        byte[] ahs = new byte[8];
        ahs[1] = 5;   // length 5: type byte + 4 CDB bytes
        ahs[2] = 1;   // extended CDB
        return List.of(
                new PduBytes(Opcode.NOP_OUT).immediate().flags(0x80).i32(16, 1),
                new PduBytes(Opcode.SCSI_COMMAND).flags(0xA1).i32(16, 2).i32(20, 5).data(d1),
                new PduBytes(Opcode.DATA_OUT).flags(0x80).i32(16, 2).data(d2),
                new PduBytes(Opcode.SCSI_COMMAND).flags(0xC1).i32(16, 3).ahs(ahs));
    }

    @ParameterizedTest(name = "headerDigest={0} dataDigest={1}")
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void framesIdenticallyWhereverTheStreamIsSplit(boolean hd, boolean dd) throws Exception {
        List<PduBytes> pdus = samplePdus();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (PduBytes p : pdus) all.writeBytes(p.wire(hd, dd));
        byte[] stream = all.toByteArray();
        for (int split = 0; split <= stream.length; split++) {
            PduFramer f = new PduFramer(1 << 20);
            f.configure(hd, dd, 1 << 20);
            List<RawPdu> got = new ArrayList<>();
            feed(f, ByteBuffer.wrap(stream, 0, split), got);
            feed(f, ByteBuffer.wrap(stream, split, stream.length - split), got);
            assertEquals(pdus.size(), got.size(), "split at " + split);
            for (int i = 0; i < pdus.size(); i++) {
                assertArrayEquals(pdus.get(i).bhs, got.get(i).bhs(), "bhs " + i + " split " + split);
                assertArrayEquals(pdus.get(i).ahs, got.get(i).ahs(), "ahs " + i + " split " + split);
                assertArrayEquals(pdus.get(i).data, got.get(i).data(), "data " + i + " split " + split);
            }
        }
    }

    @Test
    void framesByteByByte() throws Exception {
        byte[] stream = samplePdus().get(1).wire(true, true);
        PduFramer f = new PduFramer(8192);
        f.configure(true, true, 8192);
        RawPdu got = null;
        for (int i = 0; i < stream.length; i++) {
            assertNull(got, "PDU complete before its last byte");
            got = f.next(ByteBuffer.wrap(stream, i, 1));
        }
        assertNotNull(got);
        assertEquals(5, got.data().length);
    }

    @Test
    void refusesOversizedSegmentBeforeAllocating() {
        byte[] bhs = new byte[Bhs.LENGTH];
        bhs[0] = Opcode.SCSI_COMMAND;
        Bhs.put24(bhs, 5, 0xFFFFFF);  // 16 MiB announced, nothing sent
        PduFramer f = new PduFramer(8192);
        FramingException e = assertThrows(FramingException.class, () -> f.next(ByteBuffer.wrap(bhs)));
        assertEquals(RejectReason.PROTOCOL_ERROR, e.rejectReason());
    }

    @Test
    void detectsHeaderDigestError() {
        byte[] wire = samplePdus().get(0).wire(true, false);
        wire[Bhs.LENGTH] ^= 1;
        PduFramer f = new PduFramer(8192);
        f.configure(true, false, 8192);
        FramingException e = assertThrows(FramingException.class, () -> f.next(ByteBuffer.wrap(wire)));
        assertNull(e.bhs(), "a header that fails its digest must not be echoed as trusted");
    }

    @Test
    void detectsDataDigestError() {
        byte[] wire = samplePdus().get(2).wire(false, true);
        wire[Bhs.LENGTH + 10] ^= 0x40;
        PduFramer f = new PduFramer(8192);
        f.configure(false, true, 8192);
        FramingException e = assertThrows(FramingException.class, () -> f.next(ByteBuffer.wrap(wire)));
        assertEquals(RejectReason.DATA_DIGEST_ERROR, e.rejectReason());
    }

    @Test
    void crc32cMatchesRfcTestVector() {
        // RFC 7143 Appendix B.4: 32 bytes of zeros -> aa 36 91 8a on the wire
        byte[] d = new byte[4];
        Digests.putLe(d, 0, Digests.crc32c(new byte[32], 0, 32));
        assertEquals("aa36918a", HexFormat.of().formatHex(d));
        // 32 bytes of 0xff -> 43 ab a8 62
        byte[] ff = new byte[32];
        Arrays.fill(ff, (byte) 0xFF);
        Digests.putLe(d, 0, Digests.crc32c(ff, 0, 32));
        assertEquals("43aba862", HexFormat.of().formatHex(d));
    }

    @Test
    void parsesExtendedCdbFromAhs() throws Exception {
        PduBytes p = samplePdus().get(3);
        p.ahs[4] = 0x11;
        p.ahs[7] = 0x44;
        PduFramer f = new PduFramer(8192);
        RawPdu raw = f.next(ByteBuffer.wrap(p.wire()));
        InboundPdu.ScsiCommand c = (InboundPdu.ScsiCommand) PduParser.parse(raw);
        assertEquals(20, c.cdb().length);
        assertEquals(0x11, c.cdb()[16]);
        assertEquals(0x44, c.cdb()[19]);
    }

    @Test
    void rejectsImmediateDataWithoutWriteBit() throws Exception {
        PduBytes p = new PduBytes(Opcode.SCSI_COMMAND).flags(0xC0).i32(20, 4).data(new byte[4]);
        RawPdu raw = new PduFramer(8192).next(ByteBuffer.wrap(p.wire()));
        assertThrows(PduParser.MalformedPduException.class, () -> PduParser.parse(raw));
    }

    @Test
    void decodesPeripheralAndFlatLuns() {
        byte[] b = new byte[Bhs.LENGTH];
        Bhs.putLun(b, 8, 5);
        assertEquals(5, Bhs.lun(b, 8));
        Bhs.putLun(b, 8, 300);
        assertEquals(300, Bhs.lun(b, 8));
        b[12] = 1;  // a second level: not addressable here
        assertEquals(-1, Bhs.lun(b, 8));
    }

    private static void feed(PduFramer f, ByteBuffer in, List<RawPdu> out) throws FramingException {
        RawPdu p;
        while ((p = f.next(in)) != null) out.add(p);
    }
}
