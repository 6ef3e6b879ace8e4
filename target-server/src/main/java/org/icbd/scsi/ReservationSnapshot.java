package org.icbd.scsi;

import java.util.List;

/**
 * Every piece of reservation state of one logical unit as plain data, so failover can carry it
 * to a standby and a promoted node can answer PERSISTENT RESERVE IN exactly as the old leader.
 *
 * @param generation    PRgeneration
 * @param registrations registered I_T nexuses with their keys, in registration order
 * @param holder        the nexus holding a persistent reservation, or null (also null for the
 *                      all-registrants types, where every registrant holds it)
 * @param type          persistent reservation type (1,3,5,6,7,8), or 0 when none
 * @param spc2Holder    the nexus holding an SPC-2 RESERVE(6/10) reservation, or null
 */
public record ReservationSnapshot(long generation, List<Registration> registrations, Nexus holder, int type,
                                  Nexus spc2Holder) {

    public ReservationSnapshot {
        registrations = List.copyOf(registrations);
    }

    public record Registration(Nexus nexus, long key) {
    }

    public static ReservationSnapshot empty() {
        return new ReservationSnapshot(0, List.of(), null, 0, null);
    }
}
