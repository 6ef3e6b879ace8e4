package org.icbd.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.icbd.failover.Checkpointer;
import org.icbd.failover.ReplicationProgress;
import org.icbd.failover.ReplicationSender;
import org.icbd.volume.CatalogState;
import org.icbd.volume.FileCatalog;
import org.icbd.volume.VolumeLayout;
import org.icbd.volume.VolumeName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's published versions, sent to every standby that lacks them: each incremental on the
 * newest earlier version of the image the standby received, and received where the standby serves it
 * from. A clone's first checkpoint to a standby is then sent against the clone's version, so on the
 * standby too the clone shares the version's extents (and the block cache shares its chunks) instead
 * of being a full copy. A standby that has a version of that number already (imported there) keeps
 * its own: it serves the same bytes, but shares no extents with what this leader sends.
 */
final class VersionShipper {

    private static final Logger log = LoggerFactory.getLogger(VersionShipper.class);
    /** The acknowledgement of a version this cluster sent (not one the standby imported itself). */
    private static final String RECEIVED = "received";

    private final VolumeLayout layout;
    private final FileCatalog catalog;
    private final ReplicationSender sender;
    private final ReplicationProgress progress;
    private final long epoch;
    /** Failures already reported, so a standby that keeps refusing is not reported every round. */
    private final Set<String> reported = new HashSet<>();

    VersionShipper(VolumeLayout layout, FileCatalog catalog, ReplicationSender sender, ReplicationProgress progress, long epoch) {
        this.layout = layout;
        this.catalog = catalog;
        this.sender = sender;
        this.progress = progress;
        this.epoch = epoch;
    }

    /** Sends each standby the versions it has not acknowledged; a failure is retried next round. */
    void ship(List<Checkpointer.Standby> standbys) throws Exception {
        CatalogState state = catalog.read();
        Set<String> unreachable = new HashSet<>(); // tried once per round, not once per version
        for (CatalogState.Image image : state.images().values()) {
            for (int v = 1; v <= image.versions(); v++) {
                Path snapshot = layout.version(new VolumeName(image.name()), v);
                if (!Files.isDirectory(snapshot)) continue; // deleted, or not here yet
                for (Checkpointer.Standby s : standbys) {
                    if (!unreachable.contains(s.node()) && !ship(s, image.name(), v, snapshot)) unreachable.add(s.node());
                }
            }
        }
    }

    /** Returns false when {@code s} could not be reached. */
    private boolean ship(Checkpointer.Standby s, String image, int v, Path snapshot) throws Exception {
        String key = image + "@" + v;
        if (progress.acked(s.node(), key).isPresent()) return true;
        Optional<Path> parent = received(s.node(), image, v - 1);
        try {
            sender.sendVersion(s.address(), epoch, image, snapshot, parent);
            progress.ack(s.node(), key, RECEIVED);
            log.info("version {} sent to {} ({})", key, s.node(), parent.map(p -> "incremental on " + image + "@" + p.getFileName()).orElse("full"));
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("is already here")) {
                progress.ack(s.node(), key, "own copy");
                log.info("{} has its own copy of version {}: kept (its clones' checkpoints cannot share its extents)", s.node(), key);
            } else if (reported.add(s.node() + " " + key)) {
                log.warn("sending version {} to {} failed (retried every round): {}", key, s.node(), e.getMessage());
            }
            return !ReplicationSender.unreachable(e);
        }
        return true;
    }

    /** The newest version of {@code image} up to {@code upTo} that {@code node} received from this cluster. */
    private Optional<Path> received(String node, String image, int upTo) throws Exception {
        for (int u = upTo; u >= 1; u--) {
            Path p = layout.version(new VolumeName(image), u);
            if (Files.isDirectory(p) && progress.acked(node, image + "@" + u).equals(Optional.of(RECEIVED))) return Optional.of(p);
        }
        return Optional.empty();
    }

    /**
     * The version clone {@code volume} was made from, or for an image's work copy the image's newest version,
     * if {@code node} received it from this cluster: a base to send against.
     */
    Optional<Path> origin(String node, String volume) {
        try {
            Optional<String> work = WritableClone.workCopyOf(volume);
            if (work.isPresent()) {
                CatalogState.Image img = catalog.read().images().get(work.get());
                return img == null ? Optional.empty() : received(node, img.name(), img.versions());
            }
            CatalogState.Clone c = catalog.read().clones().get(volume);
            if (c == null) return Optional.empty();
            Path p = layout.version(new VolumeName(c.image()), c.version());
            return Files.isDirectory(p) && progress.acked(node, c.image() + "@" + c.version()).equals(Optional.of(RECEIVED))
                    ? Optional.of(p) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
