package org.icbd.scsi;

import static org.icbd.scsi.ScsiFixture.A;
import static org.icbd.scsi.ScsiFixture.B;
import static org.icbd.scsi.ScsiFixture.assertGood;
import static org.icbd.scsi.ScsiFixture.assertSense;
import static org.icbd.scsi.ScsiFixture.cdb;
import static org.icbd.scsi.ScsiFixture.data;
import static org.icbd.scsi.ScsiFixture.filled;
import static org.icbd.scsi.ScsiFixture.rw10;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReservationsTest {

    @TempDir
    Path dir;
    ScsiFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new ScsiFixture(dir);
        f.login(A);
        f.login(B);
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private ScsiResponse prout(Nexus n, int sa, int type, long key, long saKey) {
        return prout(n, 0, sa, type, key, saKey);
    }

    private ScsiResponse prout(Nexus n, long lun, int sa, int type, long key, long saKey) {
        byte[] p = new byte[24];
        Cdb.put64(p, 0, key);
        Cdb.put64(p, 8, saKey);
        return f.exec(n, lun, cdb(0x5F, sa, type, 0, 0, 0, 0, 0, 24, 0), p, 24);
    }

    private byte[] prin(Nexus n, int sa) {
        return data(f.exec(n, 0, cdb(0x5E, sa, 0, 0, 0, 0, 0, 0x10, 0, 0), null, 4096));
    }

    private int readStatus(Nexus n) {
        return f.exec(n, 0, rw10(0x28, 1, 1, 0), null, 512).status();
    }

    private int writeStatus(Nexus n) {
        return f.exec(n, 0, rw10(0x2A, 1, 1, 0), filled(512, 1), 512).status();
    }

    @Test
    void registerReserveAndAccessMatrixForWriteExclusive() {
        assertGood(prout(A, 6, 0, 0, 0xAAAA));
        assertGood(prout(B, 6, 0, 0, 0xBBBB));
        byte[] keys = prin(A, 0);
        assertEquals(2, Cdb.u32(keys, 0), "two registrations, two generations");
        assertEquals(16, Cdb.u32(keys, 4));
        assertEquals(0xAAAAL, Cdb.u64(keys, 8));
        assertGood(prout(A, 1, ReservationState.WRITE_EXCLUSIVE, 0xAAAA, 0));
        byte[] res = prin(B, 1);
        assertEquals(16, Cdb.u32(res, 4));
        assertEquals(0xAAAAL, Cdb.u64(res, 8));
        assertEquals(ReservationState.WRITE_EXCLUSIVE, res[21]);
        assertEquals(ScsiResponse.GOOD, readStatus(B));
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, writeStatus(B));
        assertEquals(ScsiResponse.GOOD, writeStatus(A));
        // the wrong key cannot release; the right one with the wrong type is an invalid release
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, prout(A, 2, 1, 0xBBBB, 0).status());
        assertSense(prout(A, 2, 3, 0xAAAA, 0), Sense.INVALID_RELEASE_OF_PR);
        assertGood(prout(A, 2, 1, 0xAAAA, 0));
        assertEquals(ScsiResponse.GOOD, writeStatus(B));
        assertEquals(8, prin(A, 1).length, "no reservation left");
    }

    @Test
    void exclusiveAccessRegistrantsOnly() {
        assertGood(prout(A, 6, 0, 0, 1));
        assertGood(prout(B, 6, 0, 0, 2));
        assertGood(prout(A, 1, ReservationState.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY, 1, 0));
        assertEquals(ScsiResponse.GOOD, writeStatus(B));
        assertGood(prout(B, 0, 0, 2, 0)); // B unregisters
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, readStatus(B));
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, writeStatus(B));
        assertGood(f.exec(B, 0, cdb(0x12, 0, 0, 0, 36, 0), null, 36));
    }

    @Test
    void allRegistrantsReportKeyZero() {
        assertGood(prout(A, 6, 0, 0, 1));
        assertGood(prout(A, 1, ReservationState.EXCLUSIVE_ACCESS_ALL_REGISTRANTS, 1, 0));
        byte[] res = prin(A, 1);
        assertEquals(0L, Cdb.u64(res, 8));
        assertEquals(ReservationState.EXCLUSIVE_ACCESS_ALL_REGISTRANTS, res[21]);
    }

    @Test
    void preemptRemovesRegistrationAndRaisesUnitAttention() {
        assertGood(prout(A, 6, 0, 0, 1));
        assertGood(prout(B, 6, 0, 0, 2));
        assertGood(prout(A, 1, ReservationState.EXCLUSIVE_ACCESS, 1, 0));
        long gen = Cdb.u32(prin(B, 0), 0);
        assertGood(prout(B, 4, ReservationState.EXCLUSIVE_ACCESS, 2, 1));
        assertSense(f.exec(A, 0, cdb(0x00), null, 0), Sense.REGISTRATIONS_PREEMPTED);
        byte[] keys = prin(B, 0);
        assertEquals(gen + 1, Cdb.u32(keys, 0));
        assertEquals(8, Cdb.u32(keys, 4));
        assertEquals(2L, Cdb.u64(keys, 8));
        byte[] res = prin(B, 1);
        assertEquals(2L, Cdb.u64(res, 8), "B now holds it");
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, readStatus(A));
        // preempting a key nobody holds is a conflict; preempting with key 0 and no reservation is invalid
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, prout(B, 4, 3, 2, 99).status());
    }

    @Test
    void preemptAndAbortAsksTheTransportToAbortTheVictimsTasks() {
        var aborted = new ArrayList<String>();
        f.target.setTaskAborter((lun, nexus) -> aborted.add(lun + ":" + nexus.initiatorName()));
        assertGood(prout(A, 6, 0, 0, 1));
        assertGood(prout(B, 6, 0, 0, 2));
        assertGood(prout(A, 1, ReservationState.WRITE_EXCLUSIVE, 1, 0));
        assertGood(prout(B, 4, ReservationState.WRITE_EXCLUSIVE, 2, 1)); // plain PREEMPT aborts nothing
        assertEquals(List.of(), aborted);
        assertSense(f.exec(A, 0, cdb(0x00), null, 0), Sense.REGISTRATIONS_PREEMPTED);
        assertGood(prout(A, 6, 0, 0, 3));
        assertGood(prout(B, 5, ReservationState.EXCLUSIVE_ACCESS, 2, 3));
        assertEquals(List.of("0:" + A.initiatorName()), aborted);
    }

    @Test
    void clearDropsEverything() {
        assertGood(prout(A, 6, 0, 0, 1));
        assertGood(prout(B, 6, 0, 0, 2));
        assertGood(prout(A, 1, ReservationState.WRITE_EXCLUSIVE, 1, 0));
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, prout(B, 3, 0, 1, 0).status());
        assertGood(prout(B, 3, 0, 2, 0));
        assertSense(f.exec(A, 0, cdb(0x00), null, 0), Sense.RESERVATIONS_PREEMPTED);
        assertEquals(0, Cdb.u32(prin(A, 0), 4));
        assertEquals(ScsiResponse.GOOD, writeStatus(B));
    }

    @Test
    void registerWithWrongKeyConflicts() {
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, prout(A, 0, 0, 5, 6).status());
        assertGood(prout(A, 0, 0, 0, 6));
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, prout(A, 0, 0, 5, 7).status());
        assertGood(prout(A, 0, 0, 6, 7));
        assertEquals(7L, Cdb.u64(prin(A, 0), 8));
    }

    @Test
    void capabilitiesAndServiceActionRange() {
        byte[] caps = prin(A, 2);
        assertEquals(8, Cdb.u16(caps, 0));
        assertEquals(0xEA, caps[4] & 0xFF);
        assertEquals(0x01, caps[5] & 0xFF);
        for (int sa = 4; sa < 0x20; sa++) {
            assertSense(f.exec(A, 0, cdb(0x5E, sa, 0, 0, 0, 0, 0, 0x10, 0, 0), null, 4096), Sense.INVALID_FIELD_IN_CDB);
        }
    }

    @Test
    void readFullStatusNamesTheInitiatorPort() {
        assertGood(prout(A, 6, 0, 0, 1));
        assertGood(prout(A, 1, ReservationState.WRITE_EXCLUSIVE, 1, 0));
        byte[] d = prin(A, 3);
        assertEquals(1L, Cdb.u64(d, 8));
        assertEquals(0x01, d[8 + 12] & 0x01, "R_HOLDER");
        assertEquals(0x45, d[8 + 24] & 0xFF, "iSCSI TransportID with ISID");
        String name = new String(d, 8 + 28, A.initiatorPort().length(), StandardCharsets.UTF_8);
        assertEquals(A.initiatorPort(), name);
    }

    @Test
    void reserve6ConflictsAcrossNexusesAndEndsWithTheNexus() {
        assertGood(f.exec(A, 0, cdb(0x16), null, 0));
        assertGood(f.exec(A, 0, cdb(0x16), null, 0));
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, f.exec(B, 0, cdb(0x16), null, 0).status());
        assertGood(f.exec(B, 0, cdb(0x17), null, 0)); // releasing someone else's is a no-op
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, f.exec(B, 0, cdb(0x1A, 0, 0x3F, 0, 255, 0), null, 255).status());
        assertEquals(ScsiResponse.GOOD, f.exec(B, 0, cdb(0x12, 0, 0, 0, 36, 0), null, 36).status());
        assertEquals(ScsiResponse.GOOD, readStatus(A));
        f.target.nexusRemoved(A);
        assertGood(f.exec(B, 0, cdb(0x16), null, 0));
        assertGood(f.exec(B, 0, cdb(0x17), null, 0));
        // under a persistent reservation RESERVE(6) is a no-op for its holder, a conflict for others (CRH=1)
        assertGood(prout(B, 6, 0, 0, 9));
        assertGood(prout(B, 1, ReservationState.WRITE_EXCLUSIVE, 9, 0));
        assertGood(f.exec(B, 0, cdb(0x16), null, 0));
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, f.exec(A, 0, cdb(0x16), null, 0).status());
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, f.exec(A, 0, cdb(0x17), null, 0).status());
        assertEquals(ScsiResponse.GOOD, writeStatus(B), "the no-op RESERVE(6) left no SPC-2 reservation behind");
        assertGood(prout(B, 2, ReservationState.WRITE_EXCLUSIVE, 9, 0));
        assertEquals(ScsiResponse.GOOD, writeStatus(A));
    }

    @Test
    void parameterListRules() {
        byte[] p = new byte[24];
        Cdb.put64(p, 8, 5);
        assertSense(f.exec(A, 0, cdb(0x5F, 6, 0, 0, 0, 0, 0, 0, 20, 0), p, 24), Sense.PARAMETER_LIST_LENGTH_ERROR);
        p[20] = 0x01; // APTPL: we do not claim PTPL_C
        assertSense(f.exec(A, 0, cdb(0x5F, 6, 0, 0, 0, 0, 0, 0, 24, 0), p, 24), Sense.INVALID_FIELD_IN_PARAMETER_LIST);
        p[20] = 0;
        assertGood(f.exec(A, 0, cdb(0x5F, 6, 0, 0, 0, 0, 0, 0, 24, 0), p, 24));
        assertSense(prout(A, 1, 2, 5, 0), Sense.INVALID_FIELD_IN_CDB); // type 2 does not exist
        assertSense(f.exec(A, 0, cdb(0x5F, 1, 0x11, 0, 0, 0, 0, 0, 24, 0), reserveKey(5), 24), Sense.INVALID_FIELD_IN_CDB); // scope 1
        assertSense(f.exec(A, 0, cdb(0x5F, 7, 0, 0, 0, 0, 0, 0, 24, 0), p, 24), Sense.INVALID_FIELD_IN_CDB); // REGISTER AND MOVE
        assertEquals(1, Cdb.u32(prin(A, 0), 4) / 8);
    }

    private static byte[] reserveKey(long key) {
        byte[] p = new byte[24];
        Cdb.put64(p, 0, key);
        return p;
    }

    @Test
    void reserve6IsDroppedByLunReset() {
        assertGood(f.exec(A, 0, cdb(0x16), null, 0));
        f.target.lunReset(0, A);
        assertSense(f.exec(B, 0, cdb(0x00), null, 0), Sense.BUS_DEVICE_RESET);
        assertGood(f.exec(B, 0, cdb(0x16), null, 0));
    }

    @Test
    void stateRoundTripsThroughASnapshot() {
        assertGood(prout(A, 6, 0, 0, 1));
        assertGood(prout(B, 6, 0, 0, 2));
        assertGood(prout(A, 1, ReservationState.WRITE_EXCLUSIVE_REGISTRANTS_ONLY, 1, 0));
        var exported = f.target.exportReservations();
        var other = new LogicalUnitSet(ScsiFixture.TARGET, new TreeMap<>(Map.of(0L, f.rw)));
        other.importReservations(exported);
        ReservationSnapshot s = other.unit(0).reservations().snapshot();
        assertEquals(exported.get(0L), s);
        assertEquals(A, s.holder());
        assertEquals(2, s.registrations().size());
        assertNull(s.spc2Holder());
    }

    /**
     * Where a cluster keeps reservations (ZooKeeper in production; a map here, so that saving can be
     * made to fail, which a real ensemble does only when the leader is cut off).
     */
    private static final class MapStore implements ReservationStore {
        final Map<String, ReservationSnapshot> saved = new HashMap<>();
        boolean failing;
        int saves;

        @Override
        public void save(String target, long lun, ReservationSnapshot state) throws IOException {
            if (failing) throw new IOException("ZooKeeper unreachable");
            saves++;
            saved.put(target + "/" + lun, state);
        }

        @Override
        public Optional<ReservationSnapshot> load(String target, long lun) {
            return Optional.ofNullable(saved.get(target + "/" + lun));
        }
    }

    @Test
    void aChangeCountsOnlyOnceSavedAndTheNextLeaderEnforcesIt() throws Exception {
        MapStore store = new MapStore();
        f.target.keepReservationsIn(store);
        assertGood(prout(A, 0, 0, 0, 0xAAAA));
        assertGood(prout(B, 0, 0, 0, 0xBBBB));
        assertGood(prout(A, 1, ReservationState.WRITE_EXCLUSIVE, 0xAAAA, 0));
        assertEquals(3, store.saves, "each change saved before it was answered");
        assertGood(f.exec(A, 0, cdb(0x00), null, 0));
        assertGood(prout(A, 1, ReservationState.WRITE_EXCLUSIVE, 0xAAAA, 0)); // reserving again changes nothing
        assertEquals(3, store.saves, "nothing changed, nothing saved");

        store.failing = true;
        byte[] keysBefore = prin(A, 0);
        byte[] reservationBefore = prin(A, 1);
        assertSense(prout(B, 4, ReservationState.EXCLUSIVE_ACCESS, 0xBBBB, 0xAAAA), Sense.ABORTED_INTERNAL_FAILURE);
        Assertions.assertArrayEquals(keysBefore, prin(A, 0), "the preemption was undone");
        Assertions.assertArrayEquals(reservationBefore, prin(A, 1), "the preemption was undone");
        assertEquals(ScsiResponse.RESERVATION_CONFLICT, writeStatus(B), "A still holds the reservation");
        store.failing = false;

        // the next leader: same target and LUN, new process state
        var next = new LogicalUnitSet(ScsiFixture.TARGET, new TreeMap<>(Map.of(0L, f.rw)));
        next.keepReservationsIn(store);
        ReservationSnapshot there = next.unit(0).reservations().snapshot();
        assertEquals(A, there.holder());
        assertEquals(ReservationState.WRITE_EXCLUSIVE, there.type());
        assertEquals(2, there.registrations().size());
        assertEquals(f.target.unit(0).reservations().snapshot(), there);
    }

    @Test
    void spc2ReservationsAreNotSaved() throws Exception {
        MapStore store = new MapStore();
        f.target.keepReservationsIn(store);
        assertGood(f.exec(A, 0, cdb(0x16), null, 0));
        assertGood(prout(A, 0, 0, 0, 0xAAAA));
        assertNull(store.saved.get(ScsiFixture.TARGET + "/0").spc2Holder(), "RESERVE(6) ends with the nexus: not carried over");
    }

    /** LUN 3 is read-only: a version every workstation boots from, which one of them must not lock. */
    @Test
    void noInitiatorCanKeepTheOthersFromReadingAReadOnlyLun() {
        long ro = 3;
        assertGood(prout(A, ro, 6, 0, 0, 0xAAAA));
        assertGood(prout(B, ro, 6, 0, 0, 0xBBBB));
        for (int type : new int[] {ReservationState.EXCLUSIVE_ACCESS, ReservationState.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY,
                ReservationState.EXCLUSIVE_ACCESS_ALL_REGISTRANTS}) {
            assertSense(prout(A, ro, 1, type, 0xAAAA, 0), Sense.INVALID_FIELD_IN_CDB);
        }
        assertSense(f.exec(A, ro, cdb(0x16), null, 0), Sense.INVALID_OPCODE);
        assertGood(prout(A, ro, 1, ReservationState.WRITE_EXCLUSIVE, 0xAAAA, 0));
        assertSense(prout(B, ro, 4, ReservationState.EXCLUSIVE_ACCESS, 0xBBBB, 0xAAAA), Sense.INVALID_FIELD_IN_CDB);
        assertGood(f.exec(B, ro, rw10(0x28, 1, 1, 0), null, 512));

        byte[] roCaps = data(f.exec(A, ro, cdb(0x5E, 2, 0, 0, 0, 0, 0, 0, 8, 0), null, 8));
        byte[] rwCaps = data(f.exec(A, 0, cdb(0x5E, 2, 0, 0, 0, 0, 0, 0, 8, 0), null, 8));
        assertEquals(0x80 | 0x20 | 0x02, roCaps[4] & 0xFF, "read-only: the write-exclusive types only");
        assertEquals(0, roCaps[5]);
        assertEquals(0x80 | 0x40 | 0x20 | 0x08 | 0x02, rwCaps[4] & 0xFF);
        assertEquals(1, rwCaps[5]);
    }
}
