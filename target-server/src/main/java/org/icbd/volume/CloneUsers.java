package org.icbd.volume;

import java.io.IOException;

/**
 * Who holds a clone's disk open (a running node serving it). A reset puts a fresh snapshot where
 * the clone was and tells its user, which switches to it, before the old subvolume is deleted: a
 * user left on the old file would serve bytes that no longer exist anywhere and lose its writes.
 */
@FunctionalInterface
public interface CloneUsers {

    CloneUsers NONE = clone -> { };

    /** The clone's disk was replaced at the same path (now {@code clone}): drop the old file and serve the new one. */
    void replaced(CatalogState.Clone clone) throws IOException;
}
