package org.icbd.iscsi;

import java.time.Duration;

/**
 * Limits and offers of the target side of the iSCSI transport.
 *
 * @param maxSessions              sessions the node accepts at once, over all its portals (protects the node)
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
 * @param dataOutTimeout           a write whose Data-Out stops coming for this long fails (ABORTED COMMAND)
 *                                 and gives back the buffer it holds
 * @param sendTimeout              a connection whose replies have not moved for this long (the initiator
 *                                 does not read its socket) is closed
 * @param replyQueueBytes          replies queued for one connection above which nothing more is read from it
 *                                 until the initiator takes them
 */
public record IscsiSettings(int maxSessions, int queueDepth, int maxRecvDataSegmentLength, int maxBurstLength,
                            int firstBurstLength, boolean immediateData, boolean initialR2T, Duration loginTimeout,
                            Duration nopInterval, Duration nopTimeout, int maxCommandBytes, Duration dataOutTimeout,
                            Duration sendTimeout, int replyQueueBytes) {

    public static IscsiSettings defaults() {
        return new IscsiSettings(256, 128, 262144, 1 << 20, 262144, true, false,
                Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofSeconds(30), 32 << 20,
                Duration.ofSeconds(20), Duration.ofSeconds(30), 4 << 20);
    }

    public IscsiSettings withSessions(int maxSessions, int queueDepth) {
        return new IscsiSettings(maxSessions, queueDepth, maxRecvDataSegmentLength, maxBurstLength, firstBurstLength,
                immediateData, initialR2T, loginTimeout, nopInterval, nopTimeout, maxCommandBytes, dataOutTimeout,
                sendTimeout, replyQueueBytes);
    }

    public IscsiSettings withTimeouts(Duration loginTimeout, Duration nopInterval, Duration nopTimeout,
                                      Duration dataOutTimeout, Duration sendTimeout) {
        return new IscsiSettings(maxSessions, queueDepth, maxRecvDataSegmentLength, maxBurstLength, firstBurstLength,
                immediateData, initialR2T, loginTimeout, nopInterval, nopTimeout, maxCommandBytes, dataOutTimeout,
                sendTimeout, replyQueueBytes);
    }

    public IscsiSettings withMaxCommandBytes(int maxCommandBytes) {
        return new IscsiSettings(maxSessions, queueDepth, maxRecvDataSegmentLength, maxBurstLength, firstBurstLength,
                immediateData, initialR2T, loginTimeout, nopInterval, nopTimeout, maxCommandBytes, dataOutTimeout,
                sendTimeout, replyQueueBytes);
    }
}
