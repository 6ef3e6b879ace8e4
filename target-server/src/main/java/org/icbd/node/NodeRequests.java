package org.icbd.node;

import java.util.List;
import java.util.function.Supplier;
import org.icbd.volume.CatalogState;
import org.icbd.volume.VolumeException;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import org.icbd.workstation.MinFreeSpace;

/** What the CLI may ask of the running node through its {@link NodeControl} socket. */
final class NodeRequests implements NodeControl.Handler {

    private final VolumeManager volumes;
    /** Serves what the catalog now says; hands back what could not be served. */
    private final Supplier<List<String>> catalogChanged;

    /** The free space a new workstation needs, or null when this node has no workstations (no threshold). */
    private final MinFreeSpace space;

    NodeRequests(VolumeManager volumes, Supplier<List<String>> catalogChanged, MinFreeSpace space) {
        this.volumes = volumes;
        this.catalogChanged = catalogChanged;
        this.space = space;
    }

    @Override
    public String handle(List<String> words) throws Exception {
        String op = words.get(0);
        if (op.equals("reset") && words.size() == 3) {
            long t0 = System.nanoTime();
            CatalogState.Clone c = volumes.resetClone(new VolumeName(words.get(1)), Integer.parseInt(words.get(2)));
            if (space != null) space.writesDiscarded();
            return c.name() + " " + c.image() + "@" + c.version() + " " + (System.nanoTime() - t0) / 1_000_000;
        }
        if (op.equals("room") && words.size() >= 2) {
            // the CLI asks before it adds what takes new space ("room add a workstation")
            if (space != null) space.requireRoomTo(String.join(" ", words.subList(1, words.size())));
            return "room";
        }
        if (op.equals("changed")) {
            List<String> problems = catalogChanged.get(); // the CLI changed the catalog: serve what it says now
            return problems.isEmpty() ? "applied" : "applied; " + String.join("; ", problems);
        }
        throw new VolumeException(VolumeException.Kind.INVALID, "this node does not know the request '" + String.join(" ", words)
                + "' (is the CLI newer than the running node?)");
    }
}
