package org.icbd.cli;

import java.io.IOException;
import org.icbd.volume.CatalogState;
import org.icbd.volume.VolumeManager;

/** A workstation added on a cluster's standby: its disk is made by the leader, which sees the catalog change. */
final class LeaderDisks {

    private static final long WAIT_MS = 15_000;

    private LeaderDisks() {
    }

    /** Waits a while for the leader to make disk {@code clone}; says whether it did. */
    static String await(VolumeManager m, String clone) throws IOException {
        long end = System.nanoTime() + WAIT_MS * 1_000_000;
        while (System.nanoTime() < end) {
            CatalogState.Clone c = m.state().clones().get(clone);
            if (c != null) return "its disk (" + c.image() + "@" + c.version() + ") was made by the cluster's leader, which serves it";
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return "recorded in the cluster's catalog; the leader makes its disk when it sees it (none has within "
                + WAIT_MS / 1000 + " s: is a node leading?)";
    }
}
