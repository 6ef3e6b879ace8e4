package org.icbd.scsi;

import java.io.IOException;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.icbd.storage.BlockDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command layer of one target: a set of logical units keyed by LUN number. It routes each
 * command through the same gate (LUN exists, opcode known, unit attention, reservation) and
 * then to the handler the {@link CommandTable} names. Commands take no lock of its own: per-LUN
 * state lives in {@link LogicalUnit}; only adding or removing a LUN while the target serves does.
 */
public final class LogicalUnitSet implements ScsiTarget {

    private static final Logger log = LoggerFactory.getLogger(LogicalUnitSet.class);

    private static final int OP_REQUEST_SENSE = 0x03;
    private static final int OP_INQUIRY = 0x12;
    private static final int OP_REPORT_LUNS = 0xA0;

    private final String targetName;
    private final int maxTransferBytes;
    /** Changed only under this object's lock (a LUN mapped or unmapped while the target serves); read without one. */
    private final Map<Long, LogicalUnit> units = new ConcurrentHashMap<>();
    private volatile SortedSet<Long> lunNumbers;
    private final CommandTable commands = CommandTable.standard();
    private volatile TaskAborter taskAborter = (lun, nexus) -> { };
    /** Nexuses we know of, so resets can raise unit attentions for all of them. */
    private final Set<Nexus> nexuses = ConcurrentHashMap.newKeySet();
    /**
     * News for the nexuses while the target has no logical unit to hold it (its every LUN was removed):
     * reported on whichever LUN a nexus addresses, and handed to the next LUN added.
     */
    private final UnitAttentions withoutUnits = new UnitAttentions();

    public LogicalUnitSet(String targetName, SortedMap<Long, BlockDevice> devices) {
        this(targetName, devices, InquiryCommand.DEFAULT_MAX_TRANSFER_BYTES);
    }

    /**
     * @param maxTransferBytes the largest data transfer of one READ/WRITE, reported in the Block
     *                         Limits VPD; pass the transport's own per-command limit so the two agree
     */
    public LogicalUnitSet(String targetName, SortedMap<Long, BlockDevice> devices, int maxTransferBytes) {
        if (maxTransferBytes < 4096) throw new IllegalArgumentException("maxTransferBytes too small: " + maxTransferBytes);
        this.maxTransferBytes = maxTransferBytes;
        this.targetName = targetName;
        devices.forEach((lun, dev) -> units.put(lun, new LogicalUnit(lun, dev)));
        this.lunNumbers = numbers();
    }

    private SortedSet<Long> numbers() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(units.keySet()));
    }

    /**
     * Serves {@code device} as LUN {@code lun} from now on. Every I_T nexus of the target gets the unit
     * attention REPORTED LUNS DATA HAS CHANGED (SAM-5 5.14), on whichever LUN it addresses next.
     *
     * @throws IllegalStateException when the LUN exists
     */
    public synchronized void addUnit(long lun, BlockDevice device) {
        if (lun < 0 || lun > MAX_LUN) throw new IllegalArgumentException("LUN " + lun + " out of range 0.." + MAX_LUN);
        if (units.containsKey(lun)) throw new IllegalStateException("LUN " + lun + " of " + targetName + " exists");
        LogicalUnit added = new LogicalUnit(lun, device);
        withoutUnits.handTo(added.unitAttentions());
        units.put(lun, added);
        lunNumbers = numbers();
        lunsChanged();
    }

    /**
     * Stops serving LUN {@code lun}: later commands to it get LOGICAL UNIT NOT SUPPORTED, the commands
     * already running on it end first (up to {@code drainMillis}), and every I_T nexus gets REPORTED LUNS
     * DATA HAS CHANGED on the LUNs that remain. The caller closes the returned unit's device.
     *
     * @return the removed unit, or null when there was none
     */
    public LogicalUnit removeUnit(long lun, long drainMillis) throws InterruptedException {
        LogicalUnit lu;
        synchronized (this) {
            lu = units.remove(lun);
            if (lu == null) return null;
            lunNumbers = numbers();
            lunsChanged();
        }
        if (!lu.retire(drainMillis)) {
            log.warn("LUN {} of {} removed while commands still ran on it after {} ms; its device is closed under them",
                    lun, targetName, drainMillis);
        }
        return lu;
    }

    private void lunsChanged() {
        if (units.isEmpty()) withoutUnits.raiseAll(nexuses, Sense.REPORTED_LUNS_DATA_CHANGED);
        for (LogicalUnit u : units.values()) u.unitAttentions().raiseAll(nexuses, Sense.REPORTED_LUNS_DATA_CHANGED);
    }

    /**
     * The oldest unit attention {@code nexus} has pending on {@code lu}, cleared. REPORTED LUNS DATA HAS
     * CHANGED is news about the target, raised on every LUN: once reported on one, it is cleared on all,
     * so a nexus hears it once per change whichever LUNs it uses.
     */
    Sense takeUnitAttention(LogicalUnit lu, Nexus nexus) {
        Sense ua = lu.unitAttentions().poll(nexus);
        if (Sense.REPORTED_LUNS_DATA_CHANGED.equals(ua)) lunsReported(nexus);
        return ua;
    }

    /** SAM-5 5.14: REPORT LUNS clears REPORTED LUNS DATA HAS CHANGED for its nexus (and no other condition). */
    void lunsReported(Nexus nexus) {
        if (nexus == null) return;
        withoutUnits.clear(nexus, Sense.REPORTED_LUNS_DATA_CHANGED);
        for (LogicalUnit u : units.values()) u.unitAttentions().clear(nexus, Sense.REPORTED_LUNS_DATA_CHANGED);
    }

    public String targetName() {
        return targetName;
    }

    public int maxTransferBytes() {
        return maxTransferBytes;
    }

    /** Installs the transport's hook for PREEMPT AND ABORT. */
    @Override
    public void setTaskAborter(TaskAborter aborter) {
        this.taskAborter = aborter == null ? (lun, nexus) -> { } : aborter;
    }

    TaskAborter taskAborter() {
        return taskAborter;
    }

    public CommandTable commands() {
        return commands;
    }

    /** The logical unit with this number, or null (for failover: reservation export/import). */
    public LogicalUnit unit(long lun) {
        return units.get(lun);
    }

    @Override
    public ScsiResponse execute(ScsiRequest request) {
        try {
            return dispatch(request);
        } catch (CommandFailure f) {
            return f.toResponse(-1);
        } catch (BlockCommands.ShortDataOut s) {
            return s.toResponse();
        } catch (IOException e) {
            log.warn("I/O error on {} LUN {} opcode 0x{}: {}", targetName, request.lun(),
                    Integer.toHexString(request.opcode()), e.toString());
            return ScsiResponse.checkCondition(SenseData.of(noSpace(e) ? Sense.SPACE_ALLOCATION_FAILED_WRITE_PROTECT : ioErrorSense(request)));
        } catch (RuntimeException e) {
            log.error("command 0x{} on {} LUN {} failed", Integer.toHexString(request.opcode()), targetName, request.lun(), e);
            return ScsiResponse.checkCondition(SenseData.of(Sense.INTERNAL_TARGET_FAILURE));
        }
    }

    private ScsiResponse dispatch(ScsiRequest request) throws IOException {
        byte[] cdb = request.cdb();
        if (cdb == null || cdb.length == 0) throw CommandFailure.check(Sense.INVALID_OPCODE);
        Nexus nexus = request.nexus();
        if (nexus != null && !nexuses.contains(nexus)) nexuses.add(nexus);
        LogicalUnit lu = units.get(request.lun());
        if (lu == null || !lu.enter()) return missingLun(request);
        try {
            CommandDescriptor d = commands.lookup(cdb, lu);
            if (d.unitAttention()) {
                Sense ua = takeUnitAttention(lu, nexus);
                if (ua != null) return ScsiResponse.checkCondition(SenseData.of(ua));
            }
            if (!lu.reservations().permits(nexus, d.access())) {
                return ScsiResponse.status(ScsiResponse.RESERVATION_CONFLICT);
            }
            ReadWriteCdb blocks = d.blocks() == CommandDescriptor.BlockAccess.NONE ? null : ReadWriteCdb.parse(cdb, d.blocks(), lu);
            ScsiResponse r = d.handler().execute(new CommandContext(request, lu, this, blocks));
            if (request.opcode() == OP_REPORT_LUNS && r.status() == ScsiResponse.GOOD) lunsReported(nexus);
            return r;
        } finally {
            lu.exit();
        }
    }

    /**
     * A command to a LUN the target does not have (SAM-5: an incorrect logical unit). INQUIRY answers
     * peripheral qualifier 011b and REPORT LUNS the target's list (empty when it has no LUN); neither
     * reports a unit attention. A target left with no LUN at all still has news for its nexuses (the LUNs
     * it lost): REQUEST SENSE hands it over and any other command reports it before LOGICAL UNIT NOT SUPPORTED.
     */
    private ScsiResponse missingLun(ScsiRequest request) {
        Nexus nexus = request.nexus();
        return switch (request.opcode()) {
            case OP_INQUIRY -> InquiryCommand.missingLun(request);
            case OP_REPORT_LUNS -> {
                ScsiResponse r = ReportLunsCommand.execute(request, lunNumbers);
                lunsReported(nexus);
                yield r;
            }
            case OP_REQUEST_SENSE -> RequestSenseCommand.missingLun(request, nexus == null ? null : withoutUnits.poll(nexus));
            default -> {
                Sense pending = nexus == null ? null : withoutUnits.poll(nexus);
                yield ScsiResponse.checkCondition(SenseData.of(pending != null ? pending : Sense.LUN_NOT_SUPPORTED));
            }
        };
    }

    /** ENOSPC: the file system under the LUN is full (Java reports it only in the message). */
    private static boolean noSpace(IOException e) {
        return e.getMessage() != null && e.getMessage().contains("No space left on device");
    }

    private Sense ioErrorSense(ScsiRequest request) {
        LogicalUnit lu = units.get(request.lun());
        if (lu == null) return Sense.INTERNAL_TARGET_FAILURE;
        try {
            return commands.lookup(request.cdb(), lu).access() == ReservationState.Access.READ
                    ? Sense.UNRECOVERED_READ_ERROR : Sense.WRITE_ERROR;
        } catch (CommandFailure f) {
            return Sense.INTERNAL_TARGET_FAILURE;
        }
    }

    /** Every I_T nexus that has logged in, for unit attentions that concern them all. */
    Collection<Nexus> nexuses() {
        return Collections.unmodifiableSet(nexuses);
    }

    @Override
    public SortedSet<Long> luns() {
        return lunNumbers;
    }

    @Override
    public void lunReset(long lun, Nexus requester) {
        LogicalUnit lu = units.get(lun);
        if (lu == null) return;
        lu.reservations().reset();
        // SAM-5 6.6: every I_T nexus, the requester's included, learns of the reset
        for (Nexus n : nexuses) lu.unitAttentions().replace(n, Sense.BUS_DEVICE_RESET);
    }

    @Override
    public void targetReset(Nexus requester) {
        for (LogicalUnit lu : units.values()) {
            lu.reservations().reset();
            for (Nexus n : nexuses) lu.unitAttentions().replace(n, Sense.POWER_ON_RESET);
        }
    }

    /** A new I_T nexus starts with POWER ON, RESET OCCURRED pending on every LUN (SAM-5 5.14). */
    @Override
    public void nexusAdded(Nexus nexus) {
        nexuses.add(nexus);
        for (LogicalUnit lu : units.values()) lu.unitAttentions().replace(nexus, Sense.POWER_ON_RESET);
    }

    @Override
    public void nexusRemoved(Nexus nexus) {
        nexuses.remove(nexus);
        withoutUnits.forget(nexus);
        for (LogicalUnit lu : units.values()) {
            lu.unitAttentions().forget(nexus);
            lu.reservations().nexusLost(nexus);
        }
    }

    /** Reservation state of every LUN, for carrying to a standby. */
    public Map<Long, ReservationSnapshot> exportReservations() {
        Map<Long, ReservationSnapshot> out = new TreeMap<>();
        units.forEach((lun, lu) -> out.put(lun, lu.reservations().snapshot()));
        return out;
    }

    /**
     * Takes every LUN's persistent reservations from {@code store} and saves each later change there
     * (a cluster leader: the next one continues from them). Call before the target is served.
     */
    public void keepReservationsIn(ReservationStore store) throws IOException {
        for (var e : units.entrySet()) {
            long lun = e.getKey();
            ReservationState rs = e.getValue().reservations();
            Optional<ReservationSnapshot> saved = store.load(targetName, lun);
            if (saved.isPresent()) rs.restore(saved.get());
            rs.persistWith(state -> store.save(targetName, lun, state));
        }
    }

    /** Restores exported reservation state for the LUNs that exist here. */
    public void importReservations(Map<Long, ReservationSnapshot> snapshots) {
        snapshots.forEach((lun, s) -> {
            LogicalUnit lu = units.get(lun);
            if (lu != null) lu.reservations().restore(s);
        });
    }
}
