package org.icbd.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.List;
import org.icbd.scsi.ScsiResponse;
import org.icbd.scsi.Sense;
import org.icbd.scsi.SenseData;
import org.junit.jupiter.api.Test;

class ResponsesTest {

    private static InboundPdu.ScsiCommand read(int edtl) {
        return new InboundPdu.ScsiCommand(new byte[Bhs.LENGTH], false, true, true, false, 1, 0, 77, edtl, 1, 0,
                new byte[16], new byte[0]);
    }

    @Test
    void splitsDataInAndCollapsesStatusIntoLastPdu() {
        ByteBuffer data = ByteBuffer.allocate(300_000);
        List<OutboundPdu> pdus = Responses.scsi(read(300_000), ScsiResponse.good(data), 65536, 262144);
        // 262144 in 4 PDUs (sequence ends at the burst), then 37856 in one PDU with status
        assertEquals(5, pdus.size());
        int offset = 0;
        for (int i = 0; i < pdus.size(); i++) {
            byte[] h = pdus.get(i).bhs();
            assertEquals(Opcode.DATA_IN, h[0]);
            assertEquals(i, Bhs.i32(h, 36), "DataSN");
            assertEquals(offset, Bhs.i32(h, 40), "BufferOffset");
            offset += pdus.get(i).data().remaining();
            boolean fin = (h[1] & 0x80) != 0;
            assertEquals(i == 3 || i == 4, fin, "F at burst end and at the last PDU, pdu " + i);
            assertEquals(i == 4, (h[1] & 0x01) != 0, "S only on the last");
        }
        assertEquals(300_000, offset);
    }

    @Test
    void reportsUnderflowAndOverflow() {
        // the command returns 512 bytes, the initiator expected 4096: underflow 3584
        List<OutboundPdu> under = Responses.scsi(read(4096), ScsiResponse.good(ByteBuffer.allocate(512)), 8192, 262144);
        byte[] h = under.get(0).bhs();
        assertEquals(0x02, h[1] & 0x06);
        assertEquals(3584, Bhs.i32(h, 44));
        // the command wants 8192, the initiator allows 4096: send 4096, overflow 4096
        List<OutboundPdu> over = Responses.scsi(read(4096), ScsiResponse.good(ByteBuffer.allocate(8192)), 8192, 262144);
        assertEquals(4096, over.get(0).data().remaining());
        assertEquals(0x04, over.get(0).bhs()[1] & 0x06);
        assertEquals(4096, Bhs.i32(over.get(0).bhs(), 44));
    }

    @Test
    void checkConditionGoesInScsiResponseWithSense() {
        byte[] sense = SenseData.of(Sense.LBA_OUT_OF_RANGE);
        List<OutboundPdu> pdus = Responses.scsi(read(512), ScsiResponse.checkCondition(sense), 8192, 262144);
        assertEquals(1, pdus.size());
        byte[] h = pdus.get(0).bhs();
        assertEquals(Opcode.SCSI_RESPONSE, h[0]);
        assertEquals(ScsiResponse.CHECK_CONDITION, h[3]);
        ByteBuffer d = pdus.get(0).data();
        assertEquals(sense.length, d.getShort(0));
        assertEquals(0x21, d.get(2 + 12));
    }
}
