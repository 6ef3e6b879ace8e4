package org.icbd.cli;

import java.io.IOException;
import java.util.Optional;
import org.icbd.volume.CatalogState;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;

/** A clone reset from the CLI: made by the running node when one serves the data root, here otherwise. */
final class CloneResets {

    private CloneResets() {
    }

    /** Resets {@code clone} (to {@code version}, 0: its own) and says what it became, how fast, and who did it. */
    static String reset(VolumeManager m, VolumeName clone, int version) throws IOException {
        Optional<RunningNode> node = RunningNode.at(m.layout().nodeSocket());
        if (node.isPresent()) {
            String[] answer = node.get().ask("reset " + clone + " " + version).split(" ");
            return "clone " + answer[0] + " reset to " + answer[1] + " in " + answer[2] + " ms (by the running node, which serves the new disk)";
        }
        long t0 = System.nanoTime();
        CatalogState.Clone c = m.resetClone(clone, version);
        return "clone " + c.name() + " reset to " + c.image() + "@" + c.version() + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms";
    }
}
