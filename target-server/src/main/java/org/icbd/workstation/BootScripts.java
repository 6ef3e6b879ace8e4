package org.icbd.workstation;

import java.util.List;
import org.icbd.volume.CatalogState;

/** The iPXE scripts the boot endpoint answers with, and the one embedded in (or chained from) iPXE. */
public final class BootScripts {

    private BootScripts() {
    }

    /** Boots workstation {@code w}'s disk with its own CHAP credentials. */
    static String sanboot(CatalogState.Workstation w, String version, String host, int port) {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return "#!ipxe\n"
                + "echo icbd: workstation " + w.name() + ", " + version + ", " + w.mode() + "\n"
                + "set username " + w.user() + "\n"
                + "set password " + w.secret() + "\n"
                + "sanboot iscsi:" + h + "::" + port + ":0:" + w.iqn() + "\n";
    }

    /** Tells the person at the workstation why it does not boot and what to do; waits, then gives up. */
    static String refusal(List<String> lines) {
        StringBuilder b = new StringBuilder("#!ipxe\n");
        for (String line : lines) b.append("echo icbd: ").append(line.replaceAll("[\\r\\n$]", " ")).append('\n');
        return b.append("sleep 30\nexit 1\n").toString();
    }

    /**
     * The small script iPXE runs first (embedded, or served by TFTP): get an address, then ask the
     * endpoint at {@code url} for this machine's script, retrying while the endpoint is not there.
     */
    public static String chain(String url) {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return "#!ipxe\n"
                + ":retry\n"
                + "dhcp || goto retry\n"
                + "chain " + base + "/boot?mac=${net0/mac} || goto wait\n"
                + "exit\n"
                + ":wait\n"
                + "echo icbd: the boot endpoint " + base + " did not answer; trying again in 5 s\n"
                + "sleep 5\n"
                + "goto retry\n";
    }
}
