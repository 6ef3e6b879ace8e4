package org.icbd.systest.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.systest.Tool;

/**
 * A workstation as the cluster tests play it from the lab's client host: it asks the boot endpoint on the
 * virtual IP for its script, and reads and writes its disk with qemu-io over libiscsi, logging in to the
 * target the script names with the CHAP credentials it gives, as the booting machine would.
 */
final class WorkstationClient {

    /** The nodes' workstations settings: the boot endpoint on the VIP for the lab's network, unknown MACs enrolled as pc-MAC. */
    static final List<String> SETTINGS = List.of(
            "workstations:",
            "  boot: " + ClusterLab.VIP + ":8080",
            "  networks: [" + Lab.SUBNET + "0/24]",
            "  enrol: {image: lab, mode: persistent, name: \"pc-{mac}\"}");
    static final String ENDPOINT = "http://" + ClusterLab.VIP + ":8080/boot?mac=";
    private static final Pattern SANBOOT = Pattern.compile("set username (\\S+)\\nset password (\\S+)\\nsanboot iscsi:(\\S+?)::(\\d+):0:(\\S+)");

    /** What a boot request got: the HTTP status and, when 200, the script's credentials and target. */
    record Boot(int status, String body, String user, String secret, String iqn) {
    }

    private final ClusterLab cluster;

    WorkstationClient(ClusterLab cluster) {
        this.cluster = cluster;
    }

    /** GET /boot?mac= at the virtual IP, from the client's namespace. */
    Boot boot(String mac) throws Exception {
        Tool.Result r = Tool.run(Duration.ofSeconds(10), "ip", "netns", "exec", cluster.clientNs(), "curl", "-s", "-m", "3",
                "-w", "\n%{http_code}", ENDPOINT + mac);
        String out = r.output();
        int nl = out.stripTrailing().lastIndexOf('\n');
        int status;
        try {
            status = Integer.parseInt(out.substring(nl + 1).strip());
        } catch (NumberFormatException e) {
            status = 0;
        }
        String body = nl < 0 ? "" : out.substring(0, nl);
        Matcher m = SANBOOT.matcher(body);
        if (status == 200 && m.find()) return new Boot(status, body, m.group(1), m.group(2), m.group(5));
        return new Boot(status, body, null, null, null);
    }

    /** qemu-io from the client: logs in to {@code b}'s target at the VIP with its CHAP credentials and runs {@code ops}. */
    Tool.Result io(Boot b, String... ops) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", cluster.clientNs(), "qemu-io", "--object",
                "secret,id=s0,data=" + b.secret(), "--image-opts", "driver=iscsi,transport=tcp,portal=" + ClusterLab.VIP
                        + ":3260,target=" + b.iqn() + ",lun=0,initiator-name=iqn.2010-04.org.ipxe:" + b.user() + ",user=" + b.user()
                        + ",password-secret=s0"));
        for (String op : ops) {
            cmd.add("-c");
            cmd.add(op);
        }
        return Tool.run(Duration.ofSeconds(30), cmd.toArray(String[]::new));
    }

    /** Whether qemu-io ran every command without an error and printed {@code expect}. */
    static boolean clean(Tool.Result r, String expect) {
        String out = r.output();
        return r.ok() && out.contains(expect) && !out.contains("Pattern verification failed") && !out.toLowerCase().contains("error");
    }
}
