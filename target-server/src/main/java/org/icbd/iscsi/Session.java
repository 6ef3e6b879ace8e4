package org.icbd.iscsi;

import java.util.Locale;
import org.icbd.scsi.Nexus;

/**
 * A logged-in session (one connection: MaxConnections=1). Holds what outlives a single PDU:
 * identity, negotiated parameters, the CmdSN window and the tasks in flight with their share of
 * the node's buffer budget.
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
    final TaskSet tasks;
    final Connection connection;

    Session(int tsih, String key, LoginNegotiator.SessionType type, ExportedTarget target, Nexus nexus,
            String initiatorName, OperationalParameters params, CommandWindow<InboundPdu> window,
            BufferBudget.Share budget, Connection connection) {
        this.tsih = tsih;
        this.key = key;
        this.type = type;
        this.target = target;
        this.nexus = nexus;
        this.initiatorName = initiatorName;
        this.params = params;
        this.window = window;
        this.tasks = new TaskSet(budget, window);
        this.connection = connection;
    }

    boolean isDiscovery() {
        return type == LoginNegotiator.SessionType.DISCOVERY;
    }

    static String key(String initiatorName, String isidHex, ExportedTarget target) {
        return initiatorName.toLowerCase(Locale.ROOT) + "|" + isidHex + "|"
                + (target == null ? "" : target.iqn().toLowerCase(Locale.ROOT));
    }
}
