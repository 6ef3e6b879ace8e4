package org.icbd.cli;

import java.io.PrintWriter;
import java.util.List;
import org.icbd.config.ClusterSettings;
import org.icbd.config.ConfigLoader;
import org.icbd.failover.IpCommandVirtualIp;
import org.icbd.failover.VirtualIp;
import picocli.CommandLine.Command;

/**
 * {@code icbd cluster drop-vip}: removes the cluster's virtual IP from this host. For the service
 * manager to run after the node's process ended, however it ended (the unit's ExecStopPost): only the
 * leader of the current epoch may hold the address, and a dead process leads nothing. A configuration
 * without a cluster has no address to drop, which is not an error (the unit is the same for both).
 */
@Command(name = "drop-vip", mixinStandardHelpOptions = true,
        description = {"Remove the cluster's virtual IP from this host (succeeds when it is not there, or there is no cluster).",
                "Run after the node's process ended, e.g. as the service unit's ExecStopPost."})
final class DropVipCommand extends ClusterSubcommand {

    @Override
    void run(PrintWriter out) throws Exception {
        if (new ConfigLoader().clusterHome(node.config).isEmpty()) {
            out.println(node.config + " has no 'cluster' section: no virtual IP to remove");
            return;
        }
        super.run(out);
    }

    @Override
    void run(ClusterSettings cluster, PrintWriter out) throws Exception {
        VirtualIp vip = new IpCommandVirtualIp(cluster.virtualIp(), cluster.iface(), List.of());
        boolean was = vip.held();
        vip.release();
        out.println(was ? "removed " + cluster.virtualIp() + " from " + cluster.iface() : cluster.virtualIp() + " was not on " + cluster.iface());
    }
}
