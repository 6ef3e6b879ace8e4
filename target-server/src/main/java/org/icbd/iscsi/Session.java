package org.icbd.iscsi;

import java.util.concurrent.ConcurrentHashMap;
import org.icbd.scsi.Nexus;

/**
 * A logged-in session (one connection: MaxConnections=1). Holds what outlives a single PDU:
 * identity, negotiated parameters, the CmdSN window and the tasks in flight.
 */
final class Session {
    final int tsih;
    final String key;              // initiator name + ISID + target: what reinstatement matches on
    final LoginNegotiator.SessionType type;
    final ExportedTarget target;   // null for discovery
    final Nexus nexus;             // null for discovery
    final String initiatorName;
    final OperationalParameters params;
    final CommandWindow<InboundPdu> window;
    final ConcurrentHashMap<Integer, ScsiTask> tasks = new ConcurrentHashMap<>();
    final Connection connection;

    Session(int tsih, String key, LoginNegotiator.SessionType type, ExportedTarget target, Nexus nexus,
            String initiatorName, OperationalParameters params, CommandWindow<InboundPdu> window,
            Connection connection) {
        this.tsih = tsih;
        this.key = key;
        this.type = type;
        this.target = target;
        this.nexus = nexus;
        this.initiatorName = initiatorName;
        this.params = params;
        this.window = window;
        this.connection = connection;
    }

    static String key(String initiatorName, String isidHex, ExportedTarget target) {
        return initiatorName.toLowerCase(java.util.Locale.ROOT) + "|" + isidHex + "|"
                + (target == null ? "" : target.iqn().toLowerCase(java.util.Locale.ROOT));
    }
}
