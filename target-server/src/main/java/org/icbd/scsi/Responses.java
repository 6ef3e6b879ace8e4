package org.icbd.scsi;

import java.nio.ByteBuffer;

/** Shapes of answers shared by the handlers. */
final class Responses {

    private Responses() {
    }

    /**
     * Parameter data for an allocation-length command (INQUIRY, MODE SENSE, REPORT LUNS...):
     * SPC-4 4.2.5.6 says to return min(allocation length, available) bytes, and that is the
     * whole transfer the CDB asks for, so no overflow is reported when it truncates.
     */
    static ScsiResponse parameterData(byte[] data, long allocationLength) {
        int n = (int) Math.min(data.length, allocationLength);
        return new ScsiResponse(ScsiResponse.GOOD, null, ByteBuffer.wrap(data, 0, n).slice(), n);
    }
}
