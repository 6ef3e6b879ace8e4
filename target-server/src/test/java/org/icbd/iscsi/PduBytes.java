package org.icbd.iscsi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** Builds initiator PDUs as wire bytes, for tests that feed the framer and parser. */
final class PduBytes {
    final byte[] bhs = new byte[Bhs.LENGTH];
    byte[] ahs = new byte[0];
    byte[] data = new byte[0];

    PduBytes(int opcode) {
        bhs[0] = (byte) opcode;
    }

    PduBytes flags(int f) {
        bhs[1] = (byte) f;
        return this;
    }

    PduBytes immediate() {
        bhs[0] |= 0x40;
        return this;
    }

    PduBytes i32(int off, int v) {
        Bhs.put32(bhs, off, v);
        return this;
    }

    PduBytes ahs(byte[] a) {
        ahs = a;
        bhs[4] = (byte) (a.length / 4);
        return this;
    }

    PduBytes data(byte[] d) {
        data = d;
        Bhs.put24(bhs, 5, d.length);
        return this;
    }

    byte[] wire(boolean headerDigest, boolean dataDigest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bhs);
        out.writeBytes(ahs);
        if (headerDigest) {
            CRC32C c = new CRC32C();
            c.update(bhs);
            c.update(ahs);
            byte[] d = new byte[4];
            Digests.putLe(d, 0, (int) c.getValue());
            out.writeBytes(d);
        }
        out.writeBytes(data);
        out.writeBytes(new byte[Bhs.pad(data.length)]);
        if (dataDigest && data.length > 0) {
            byte[] d = new byte[4];
            Digests.putLe(d, 0, Digests.dataDigest(ByteBuffer.wrap(data)));
            out.writeBytes(d);
        }
        return out.toByteArray();
    }

    byte[] wire() {
        return wire(false, false);
    }
}
