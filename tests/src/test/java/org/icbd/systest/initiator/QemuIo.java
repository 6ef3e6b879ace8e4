package org.icbd.systest.initiator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.Tool;

/** QEMU's libiscsi block driver as a client: one qemu-io process, one session, a list of operations. */
final class QemuIo {

    private QemuIo() {
    }

    static Tool.Result run(IcbdExport icbd, int lun, String initiatorName, List<String> ops) throws Exception {
        return run(icbd, lun, initiatorName, "", ops);
    }

    /** Opens the LUN read-only (qemu refuses to open a write-protected LUN read-write). */
    static Tool.Result readOnly(IcbdExport icbd, int lun, String initiatorName, List<String> ops) throws Exception {
        List<String> all = new ArrayList<>(ops);
        return run(icbd, lun, initiatorName, "", all, true);
    }

    /** {@code extraOptions}: more driver options, e.g. ",user=u,password-secret=..." (leading comma). */
    static Tool.Result run(IcbdExport icbd, int lun, String initiatorName, String extraOptions, List<String> ops) throws Exception {
        return run(icbd, lun, initiatorName, extraOptions, ops, false);
    }

    private static Tool.Result run(IcbdExport icbd, int lun, String initiatorName, String extraOptions, List<String> ops,
                                   boolean readOnly) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("qemu-io"));
        if (readOnly) cmd.add("-r");
        cmd.addAll(List.of("--image-opts",
                "driver=iscsi,transport=tcp,portal=127.0.0.1:" + icbd.port() + ",target=" + icbd.iqn() + ",lun=" + lun
                        + ",initiator-name=" + initiatorName + extraOptions));
        for (String op : ops) {
            cmd.add("-c");
            cmd.add(op);
        }
        return Tool.run(Duration.ofMinutes(2), cmd.toArray(String[]::new));
    }

    /** qemu-io exits 0 even when an operation fails; what it prints tells. */
    static boolean clean(Tool.Result r) {
        String out = r.output();
        return r.ok() && !out.contains("Pattern verification failed") && !out.contains("failed:")
                && !out.toLowerCase().contains("error");
    }
}
