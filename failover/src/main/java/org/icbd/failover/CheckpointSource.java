package org.icbd.failover;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** A writable volume the leader checkpoints: its subvolume, and how to hold its writes for a moment. */
public interface CheckpointSource {

    /** The volume's name (also the name of its replica directory on the standbys). */
    String name();

    /** The writable btrfs subvolume holding the volume's image. */
    Path subvolume();

    /**
     * Drains the writes in flight, flushes, and holds new writes until the returned pause is closed:
     * a snapshot taken inside it is a state the disk really had (crash-consistent).
     */
    Pause quiesce(Duration timeout) throws IOException;

    /**
     * Called inside the pause once {@code snapshot} is taken, before writes resume: where the write
     * log marks the checkpoint, so the writes after it are exactly those the snapshot lacks.
     */
    default void checkpointed(String snapshot) throws IOException {
    }

    /** Writes resume when it is closed. */
    interface Pause extends AutoCloseable {
        @Override
        void close();
    }
}
