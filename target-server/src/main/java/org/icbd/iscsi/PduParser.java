package org.icbd.iscsi;

import java.util.Arrays;

/** Parses framed PDUs into records. Pure: bytes in, record out, no I/O. */
public final class PduParser {
    private PduParser() {
    }

    /** Thrown for a header whose fields contradict each other; answered with a Reject. */
    public static final class MalformedPduException extends Exception {
        private final byte[] bhs;

        MalformedPduException(String message, byte[] bhs) {
            super(message);
            this.bhs = bhs;
        }

        public byte[] bhs() {
            return bhs;
        }
    }

    public static InboundPdu parse(RawPdu pdu) throws MalformedPduException {
        byte[] b = pdu.bhs();
        boolean imm = Bhs.immediate(b);
        int f1 = b[1] & 0xFF;
        int itt = Bhs.itt(b);
        return switch (Bhs.opcode(b)) {
            case Opcode.SCSI_COMMAND -> scsiCommand(pdu, imm, f1, itt);
            case Opcode.DATA_OUT -> new InboundPdu.DataOut(b, (f1 & 0x80) != 0, Bhs.lun(b, 8), itt,
                    Bhs.i32(b, 20), Bhs.i32(b, 28), Bhs.i32(b, 36), Bhs.i32(b, 40), pdu.data());
            case Opcode.NOP_OUT -> new InboundPdu.NopOut(b, imm, Bhs.lun(b, 8), itt, Bhs.i32(b, 20),
                    Bhs.i32(b, 24), Bhs.i32(b, 28), pdu.data());
            case Opcode.TASK_MGMT_REQUEST -> new InboundPdu.TaskMgmt(b, imm, f1 & 0x7F, Bhs.lun(b, 8), itt,
                    Bhs.i32(b, 20), Bhs.i32(b, 24), Bhs.i32(b, 28), Bhs.i32(b, 32), Bhs.i32(b, 36));
            case Opcode.LOGIN_REQUEST -> new InboundPdu.Login(b, (f1 & 0x80) != 0, (f1 & 0x40) != 0,
                    (f1 >>> 2) & 3, f1 & 3, Bhs.u8(b, 2), Bhs.u8(b, 3), Arrays.copyOfRange(b, 8, 14),
                    Bhs.u16(b, 14), itt, Bhs.u16(b, 20), Bhs.i32(b, 24), Bhs.i32(b, 28), pdu.data());
            case Opcode.TEXT_REQUEST -> new InboundPdu.Text(b, imm, (f1 & 0x80) != 0, (f1 & 0x40) != 0,
                    Bhs.lun(b, 8), itt, Bhs.i32(b, 20), Bhs.i32(b, 24), Bhs.i32(b, 28), pdu.data());
            case Opcode.LOGOUT_REQUEST -> new InboundPdu.Logout(b, imm, f1 & 0x7F, itt, Bhs.u16(b, 20),
                    Bhs.i32(b, 24), Bhs.i32(b, 28));
            default -> new InboundPdu.Unsupported(b, Bhs.opcode(b), itt);
        };
    }

    private static InboundPdu scsiCommand(RawPdu pdu, boolean imm, int f1, int itt) throws MalformedPduException {
        byte[] b = pdu.bhs();
        boolean read = (f1 & 0x40) != 0;
        boolean write = (f1 & 0x20) != 0;
        boolean fin = (f1 & 0x80) != 0;
        if (itt == Opcode.NO_TAG) throw new MalformedPduException("ITT 0xffffffff is reserved (RFC 7143 §11.1.3)", b);
        int edtl = Bhs.i32(b, 20);
        if (edtl < 0) throw new MalformedPduException("expected data transfer length above 2 GiB", b);
        if (!write && pdu.data().length > 0) {
            throw new MalformedPduException("immediate data on a command without the W bit", b);
        }
        if (!read && !write && edtl != 0) {
            // RFC 7143 §11.3.1: with neither bit set the expected length must be 0
            throw new MalformedPduException("expected data transfer length without R or W bit", b);
        }
        if (pdu.data().length > edtl) {
            throw new MalformedPduException("more immediate data than the expected data transfer length", b);
        }
        byte[] cdb = cdb(b, pdu.ahs());
        return new InboundPdu.ScsiCommand(b, imm, fin, read, write, f1 & 7, Bhs.lun(b, 8), itt, edtl,
                Bhs.i32(b, 24), Bhs.i32(b, 28), cdb, pdu.data());
    }

    /** The 16 CDB bytes of the BHS, extended by an Extended CDB AHS (type 1) when present. */
    private static byte[] cdb(byte[] bhs, byte[] ahs) throws MalformedPduException {
        int pos = 0;
        while (pos + 4 <= ahs.length) {
            int len = Bhs.u16(ahs, pos);
            int type = ahs[pos + 2] & 0xFF;
            if (pos + 3 + len > ahs.length) throw new MalformedPduException("AHS length beyond the AHS", bhs);
            if (type == 1 && len >= 1) {
                byte[] cdb = new byte[16 + len - 1];
                System.arraycopy(bhs, 32, cdb, 0, 16);
                System.arraycopy(ahs, pos + 4, cdb, 16, len - 1);
                return cdb;
            }
            pos += 3 + len;
            pos += Bhs.pad(pos);
        }
        return Arrays.copyOfRange(bhs, 32, 48);
    }
}
