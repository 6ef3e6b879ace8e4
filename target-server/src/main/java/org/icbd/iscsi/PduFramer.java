package org.icbd.iscsi;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Cuts a TCP byte stream into PDUs, in the style of a Netty frame decoder: feed it whatever
 * bytes arrived, take out whole PDUs. It never allocates more than a header says, and it
 * refuses headers whose lengths exceed the negotiated limits before allocating anything,
 * so a hostile length field cannot make it allocate without bound.
 */
public final class PduFramer {

    private final byte[] bhs = new byte[Bhs.LENGTH];
    private int bhsFill;
    private byte[] rest;        // AHS + header digest + data + padding + data digest
    private int restFill;
    private int ahsLen;
    private int dataLen;

    private volatile boolean headerDigest;
    private volatile boolean dataDigest;
    private volatile int maxDataSegment;

    public PduFramer(int maxDataSegment) {
        this.maxDataSegment = maxDataSegment;
    }

    /** Applies negotiated digests and limits; takes effect from the next PDU. */
    public void configure(boolean headerDigest, boolean dataDigest, int maxDataSegment) {
        this.headerDigest = headerDigest;
        this.dataDigest = dataDigest;
        this.maxDataSegment = maxDataSegment;
    }

    /**
     * Consumes bytes from {@code in} and returns the next whole PDU, or null when more bytes
     * are needed (everything available has then been consumed).
     */
    public RawPdu next(ByteBuffer in) throws FramingException {
        if (rest == null) {
            int n = Math.min(Bhs.LENGTH - bhsFill, in.remaining());
            in.get(bhs, bhsFill, n);
            bhsFill += n;
            if (bhsFill < Bhs.LENGTH) return null;
            startBody();
        }
        int n = Math.min(rest.length - restFill, in.remaining());
        in.get(rest, restFill, n);
        restFill += n;
        if (restFill < rest.length) return null;
        return finish();
    }

    private void startBody() throws FramingException {
        ahsLen = Bhs.totalAhsBytes(bhs);
        dataLen = Bhs.dataSegmentLength(bhs);
        if (dataLen > maxDataSegment) {
            throw new FramingException("data segment of " + dataLen + " bytes exceeds MaxRecvDataSegmentLength "
                    + maxDataSegment, bhs.clone(), RejectReason.PROTOCOL_ERROR);
        }
        int len = ahsLen + (headerDigest ? 4 : 0) + dataLen + Bhs.pad(dataLen) + (dataDigest && dataLen > 0 ? 4 : 0);
        rest = new byte[len];
        restFill = 0;
    }

    private RawPdu finish() throws FramingException {
        byte[] header = bhs.clone();
        int pos = 0;
        byte[] ahs = new byte[ahsLen];
        System.arraycopy(rest, 0, ahs, 0, ahsLen);
        pos += ahsLen;
        if (headerDigest) {
            CrcCheck.header(header, ahs, Digests.getLe(rest, pos));
            pos += 4;
        }
        byte[] data = new byte[dataLen];
        System.arraycopy(rest, pos, data, 0, dataLen);
        pos += dataLen + Bhs.pad(dataLen);
        boolean dataOk = true;
        if (dataDigest && dataLen > 0) {
            dataOk = Digests.dataDigest(ByteBuffer.wrap(data)) == Digests.getLe(rest, pos);
        }
        rest = null;
        bhsFill = 0;
        if (!dataOk) {
            throw new FramingException("data digest mismatch", header, RejectReason.DATA_DIGEST_ERROR);
        }
        return new RawPdu(header, ahs, data);
    }

    private static final class CrcCheck {
        static void header(byte[] bhs, byte[] ahs, int expected) throws FramingException {
            CRC32C c = new CRC32C();
            c.update(bhs);
            c.update(ahs);
            if ((int) c.getValue() != expected) {
                // the lengths in a header that fails its digest cannot be trusted: no resync possible
                throw new FramingException("header digest mismatch", null, RejectReason.PROTOCOL_ERROR);
            }
        }
    }
}
