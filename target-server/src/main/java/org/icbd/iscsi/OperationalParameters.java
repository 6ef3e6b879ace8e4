package org.icbd.iscsi;

/**
 * The negotiated values of a session/connection (RFC 7143 §13), starting from the RFC defaults.
 *
 * @param initiatorMaxRecvDataSegmentLength largest data segment this target may send
 * @param targetMaxRecvDataSegmentLength    largest data segment this target accepts (declared by it)
 */
public record OperationalParameters(boolean headerDigest, boolean dataDigest, int maxConnections,
                                    boolean initialR2T, boolean immediateData,
                                    int initiatorMaxRecvDataSegmentLength, int targetMaxRecvDataSegmentLength,
                                    int maxBurstLength, int firstBurstLength, int defaultTime2Wait,
                                    int defaultTime2Retain, int maxOutstandingR2T, boolean dataPduInOrder,
                                    boolean dataSequenceInOrder, int errorRecoveryLevel) {

    public static OperationalParameters rfcDefaults() {
        return new OperationalParameters(false, false, 1, true, true, 8192, 8192, 262144, 65536, 2, 20, 1,
                true, true, 0);
    }
}
