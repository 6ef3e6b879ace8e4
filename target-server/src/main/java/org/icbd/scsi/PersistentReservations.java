package org.icbd.scsi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** PERSISTENT RESERVE IN / OUT (SPC-4 6.15, 6.16): wire format only; the rules live in {@link ReservationState}. */
final class PersistentReservations {

    static final int READ_KEYS = 0, READ_RESERVATION = 1, REPORT_CAPABILITIES = 2, READ_FULL_STATUS = 3;
    static final int REGISTER = 0, RESERVE = 1, RELEASE = 2, CLEAR = 3, PREEMPT = 4, PREEMPT_AND_ABORT = 5,
            REGISTER_AND_IGNORE = 6;

    private PersistentReservations() {
    }

    // ---------------------------------------------------------------- IN

    static ScsiResponse in(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        Cdb.requireLength(cdb, 10);
        int sa = cdb[1] & 0x1F;
        int alloc = Cdb.u16(cdb, 7);
        ReservationSnapshot s = ctx.unit().reservations().snapshot();
        byte[] data = switch (sa) {
            case READ_KEYS -> readKeys(s);
            case READ_RESERVATION -> readReservation(s);
            case REPORT_CAPABILITIES -> reportCapabilities(ctx.unit().device().readOnly());
            case READ_FULL_STATUS -> readFullStatus(s);
            default -> throw CommandFailure.invalidCdbField(1, 4);
        };
        return Responses.parameterData(data, alloc);
    }

    static byte[] readKeys(ReservationSnapshot s) {
        byte[] b = new byte[8 + 8 * s.registrations().size()];
        Cdb.put32(b, 0, s.generation());
        Cdb.put32(b, 4, 8L * s.registrations().size());
        int off = 8;
        for (var r : s.registrations()) {
            Cdb.put64(b, off, r.key());
            off += 8;
        }
        return b;
    }

    static byte[] readReservation(ReservationSnapshot s) {
        if (s.type() == 0) {
            byte[] b = new byte[8];
            Cdb.put32(b, 0, s.generation());
            return b;
        }
        byte[] b = new byte[24];
        Cdb.put32(b, 0, s.generation());
        Cdb.put32(b, 4, 16);
        // all-registrants reservations have no single holder; SPC-4 reports key 0 for them
        long key = 0;
        if (!ReservationState.allRegistrants(s.type())) {
            for (var r : s.registrations()) if (r.nexus().equals(s.holder())) key = r.key();
        }
        Cdb.put64(b, 8, key);
        b[21] = (byte) s.type(); // scope 0: logical unit
        return b;
    }

    /** @param readOnly only the write-exclusive types: see {@link #locksReaders} */
    static byte[] reportCapabilities(boolean readOnly) {
        byte[] b = new byte[8];
        Cdb.put16(b, 0, 8);
        b[2] = 0x10;        // CRH: RESERVE/RELEASE(6/10) follow SPC-4 5.13.3 (conflict while a PR exists)
        b[3] = (byte) 0x80; // TMV: the type mask is valid; ALLOW COMMANDS 0, PTPL_A 0
        b[4] = (byte) (readOnly ? 0x80 | 0x20 | 0x02 // WR_EX_AR, WR_EX_RO, WR_EX
                : 0x80 | 0x40 | 0x20 | 0x08 | 0x02); // and EX_AC_RO, EX_AC
        b[5] = (byte) (readOnly ? 0 : 0x01); // EX_AC_AR
        return b;
    }

    /**
     * Whether a reservation of {@code type} on this LUN would keep other initiators from reading it,
     * where that is refused: a read-only LUN is a published version that every workstation boots
     * from, and one of them must not be able to lock the others out (a write-exclusive type does no
     * harm there: nobody writes a read-only LUN anyway).
     */
    static boolean locksReaders(CommandContext ctx, int type) {
        return ctx.unit().device().readOnly() && (type == ReservationState.EXCLUSIVE_ACCESS
                || type == ReservationState.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY || type == ReservationState.EXCLUSIVE_ACCESS_ALL_REGISTRANTS);
    }

    static byte[] readFullStatus(ReservationSnapshot s) {
        List<byte[]> descriptors = new ArrayList<>();
        for (var r : s.registrations()) {
            byte[] tid = transportId(r.nexus());
            byte[] d = new byte[24 + tid.length];
            Cdb.put64(d, 0, r.key());
            if (ReservationState.isHolder(s, r.nexus())) {
                d[12] = 0x01; // R_HOLDER
                d[13] = (byte) s.type();
            }
            Cdb.put16(d, 18, 1); // relative target port identifier
            Cdb.put32(d, 20, tid.length);
            System.arraycopy(tid, 0, d, 24, tid.length);
            descriptors.add(d);
        }
        int len = descriptors.stream().mapToInt(d -> d.length).sum();
        byte[] b = new byte[8 + len];
        Cdb.put32(b, 0, s.generation());
        Cdb.put32(b, 4, len);
        int off = 8;
        for (byte[] d : descriptors) {
            System.arraycopy(d, 0, b, off, d.length);
            off += d.length;
        }
        return b;
    }

    /** iSCSI TransportID, format 01b: "name,i,0xISID", null-terminated, padded to 4 (SPC-4 7.6.4.6). */
    static byte[] transportId(Nexus nexus) {
        byte[] name = nexus.initiatorPort().getBytes(StandardCharsets.UTF_8);
        int len = Math.max(20, (name.length + 1 + 3) & ~3);
        byte[] b = new byte[4 + len];
        b[0] = 0x45; // format 01b, protocol iSCSI (5)
        Cdb.put16(b, 2, len);
        System.arraycopy(name, 0, b, 4, name.length);
        return b;
    }

    // ---------------------------------------------------------------- OUT

    /** A decoded PROUT parameter list (the 24-byte basic form). */
    record OutParameters(long key, long serviceActionKey, boolean specIPt, boolean allTgPt, boolean aptpl) {
        static OutParameters parse(byte[] p) {
            if (p.length != 24) throw CommandFailure.check(Sense.PARAMETER_LIST_LENGTH_ERROR);
            int flags = p[20] & 0xFF;
            return new OutParameters(Cdb.u64(p, 0), Cdb.u64(p, 8), (flags & 0x08) != 0, (flags & 0x04) != 0,
                    (flags & 0x01) != 0);
        }
    }

    static ScsiResponse out(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        Cdb.requireLength(cdb, 10);
        int sa = cdb[1] & 0x1F;
        int scope = (cdb[2] & 0xF0) >>> 4;
        int type = cdb[2] & 0x0F;
        long paramLen = Cdb.u32(cdb, 5);
        if (sa > REGISTER_AND_IGNORE) throw CommandFailure.invalidCdbField(1, 4); // incl. REGISTER AND MOVE
        if (paramLen != 24) throw CommandFailure.check(Sense.PARAMETER_LIST_LENGTH_ERROR);
        byte[] raw = ctx.parameterList(24);
        if (raw.length < 24) throw new BlockCommands.ShortDataOut(24);
        OutParameters p = OutParameters.parse(raw);
        // we advertise SIP_C=0, ATP_C=0, PTPL_C=0
        if (p.specIPt()) throw CommandFailure.invalidParameter(20, 3);
        if (p.allTgPt()) throw CommandFailure.invalidParameter(20, 2);
        if (p.aptpl()) throw CommandFailure.invalidParameter(20, 0);
        boolean typed = sa == RESERVE || sa == RELEASE || sa == PREEMPT || sa == PREEMPT_AND_ABORT;
        if (typed && scope != 0) throw CommandFailure.invalidCdbField(2, 7);
        if (sa != RELEASE && typed && locksReaders(ctx, type)) throw CommandFailure.invalidCdbField(2, 3);
        ReservationState rs = ctx.unit().reservations();
        Nexus n = ctx.nexus();
        List<Nexus> preempted = new ArrayList<>();
        ReservationState.Outcome o;
        try {
            o = rs.apply(() -> change(rs, n, sa, type, p, preempted));
        } catch (IOException e) {
            // not saved where the next leader looks: undone, and the initiator may try again
            return CommandFailure.check(Sense.ABORTED_INTERNAL_FAILURE).toResponse(24);
        }
        if (o == ReservationState.Outcome.GOOD && sa == PREEMPT_AND_ABORT) {
            for (Nexus victim : preempted) ctx.target().taskAborter().abortTasks(ctx.unit().number(), victim);
        }
        return switch (o) {
            case GOOD -> ScsiResponse.goodWrite(24);
            case CONFLICT -> new ScsiResponse(ScsiResponse.RESERVATION_CONFLICT, null, null, 24);
            case INVALID_RELEASE -> CommandFailure.check(Sense.INVALID_RELEASE_OF_PR).toResponse(24);
            case INVALID_PARAMETER -> CommandFailure.invalidParameter(8, -1).toResponse(24);
            case INVALID_TYPE -> CommandFailure.invalidCdbField(2, 3).toResponse(24);
        };
    }

    private static ReservationState.Outcome change(ReservationState rs, Nexus n, int sa, int type, OutParameters p,
                                                   List<Nexus> preempted) {
        return switch (sa) {
            case REGISTER -> rs.register(n, p.key(), p.serviceActionKey(), false);
            case REGISTER_AND_IGNORE -> rs.register(n, p.key(), p.serviceActionKey(), true);
            case RESERVE -> rs.reserve(n, p.key(), type);
            case RELEASE -> rs.releasePersistent(n, p.key(), type);
            case CLEAR -> rs.clear(n, p.key());
            default -> rs.preempt(n, p.key(), p.serviceActionKey(), type, preempted);
        };
    }

    // ---------------------------------------------------------------- SPC-2 RESERVE / RELEASE (6/10)

    static ScsiResponse reserve(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        boolean ten = (cdb[0] & 0xFF) == 0x56;
        // third-party and extent reservations are obsolete; refuse them rather than misapply them
        if (ten && (cdb[1] & 0x12) != 0) throw CommandFailure.invalidCdbField(1, 4);
        if (!ten && (cdb[1] & 0x1F) != 0) throw CommandFailure.invalidCdbField(1, 0);
        // RESERVE keeps every other initiator out, readers too: not on a LUN many boot from (see locksReaders)
        if (ctx.unit().device().readOnly()) throw CommandFailure.check(Sense.INVALID_OPCODE);
        return ctx.unit().reservations().reserve(ctx.nexus())
                ? ScsiResponse.good() : ScsiResponse.status(ScsiResponse.RESERVATION_CONFLICT);
    }

    static ScsiResponse release(CommandContext ctx) {
        byte[] cdb = ctx.cdb();
        boolean ten = (cdb[0] & 0xFF) == 0x57;
        if (ten && (cdb[1] & 0x12) != 0) throw CommandFailure.invalidCdbField(1, 4);
        if (!ten && (cdb[1] & 0x1F) != 0) throw CommandFailure.invalidCdbField(1, 0);
        return ctx.unit().reservations().release(ctx.nexus())
                ? ScsiResponse.good() : ScsiResponse.status(ScsiResponse.RESERVATION_CONFLICT);
    }
}
