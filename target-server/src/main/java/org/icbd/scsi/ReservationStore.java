package org.icbd.scsi;

import java.io.IOException;
import java.util.Optional;

/**
 * Where persistent reservations live beyond this process: in a cluster, ZooKeeper, so the next leader
 * answers PERSISTENT RESERVE IN as the last one did and keeps enforcing its reservations. A change
 * is answered GOOD only once {@link #save} returned; a change that could not be saved is undone.
 */
public interface ReservationStore {

    /** Makes {@code state} (persistent reservations only, no SPC-2 holder) the durable state of the LUN. */
    void save(String target, long lun, ReservationSnapshot state) throws IOException;

    /** The LUN's saved state, if any. */
    Optional<ReservationSnapshot> load(String target, long lun) throws IOException;
}
