package org.icbd.iscsi;

import java.time.Duration;

/**
 * Limits and offers of the target side of the iSCSI transport.
 *
 * @param maxSessions              sessions the portal accepts at once (protects the node)
 * @param queueDepth               outstanding commands per session (the CmdSN window)
 * @param maxRecvDataSegmentLength what this target accepts per PDU (declared to the initiator)
 * @param maxBurstLength           largest burst offered (negotiated down by the initiator)
 * @param firstBurstLength         largest unsolicited data offered
 * @param immediateData            offer ImmediateData=Yes
 * @param initialR2T               offer InitialR2T (No lets initiators send unsolicited Data-Out)
 * @param loginTimeout             a connection that has not completed login by then is closed
 * @param nopInterval              idle time after which the target pings the initiator (NOP-In)
 * @param nopTimeout               a ping not answered by then closes the connection
 * @param maxCommandBytes          largest data transfer of one command (memory bound per command; 32 MiB
 *                                 lets initiators zero or copy in large chunks, and the server-wide budget
 *                                 keeps many of them from exhausting the heap)
 */
public record IscsiSettings(int maxSessions, int queueDepth, int maxRecvDataSegmentLength, int maxBurstLength,
                            int firstBurstLength, boolean immediateData, boolean initialR2T, Duration loginTimeout,
                            Duration nopInterval, Duration nopTimeout, int maxCommandBytes) {

    public static IscsiSettings defaults() {
        return new IscsiSettings(256, 128, 262144, 1 << 20, 262144, true, false,
                Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofSeconds(30), 32 << 20);
    }
}
