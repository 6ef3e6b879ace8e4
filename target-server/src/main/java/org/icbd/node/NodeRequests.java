package org.icbd.node;

import java.util.List;
import java.util.function.Supplier;
import org.icbd.volume.CatalogState;
import org.icbd.volume.VolumeException;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;

/** What the CLI may ask of the running node through its {@link NodeControl} socket. */
final class NodeRequests implements NodeControl.Handler {

    private final VolumeManager volumes;
    /** Serves what the catalog now says; hands back what could not be served. */
    private final Supplier<List<String>> catalogChanged;

    NodeRequests(VolumeManager volumes, Supplier<List<String>> catalogChanged) {
        this.volumes = volumes;
        this.catalogChanged = catalogChanged;
    }

    @Override
    public String handle(List<String> words) throws Exception {
        String op = words.get(0);
        if (op.equals("reset") && words.size() == 3) {
            long t0 = System.nanoTime();
            CatalogState.Clone c = volumes.resetClone(new VolumeName(words.get(1)), Integer.parseInt(words.get(2)));
            return c.name() + " " + c.image() + "@" + c.version() + " " + (System.nanoTime() - t0) / 1_000_000;
        }
        if (op.equals("changed")) {
            List<String> problems = catalogChanged.get(); // the CLI changed the catalog: serve what it says now
            return problems.isEmpty() ? "applied" : "applied; " + String.join("; ", problems);
        }
        throw new VolumeException(VolumeException.Kind.INVALID, "this node does not know the request '" + String.join(" ", words)
                + "' (is the CLI newer than the running node?)");
    }
}
