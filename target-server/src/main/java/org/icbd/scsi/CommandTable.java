package org.icbd.scsi;

import static org.icbd.scsi.ReservationState.Access.ALLOWED_UNDER_PR;
import static org.icbd.scsi.ReservationState.Access.ALWAYS;
import static org.icbd.scsi.ReservationState.Access.READ;
import static org.icbd.scsi.ReservationState.Access.SPC2;
import static org.icbd.scsi.ReservationState.Access.WRITE;
import static org.icbd.scsi.CommandDescriptor.BlockAccess.ADDRESSES;
import static org.icbd.scsi.CommandDescriptor.BlockAccess.READS;
import static org.icbd.scsi.CommandDescriptor.BlockAccess.WRITES;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The one list of implemented commands. Dispatch and REPORT SUPPORTED OPERATION CODES both
 * read it. Reservation classes follow SPC-4 table 65 (persistent reservations) and SBC-3 table 13.
 */
public final class CommandTable {

    /** By opcode: either one descriptor without service action, or the descriptors of each service action. */
    private final CommandDescriptor[][] byOpcode = new CommandDescriptor[256][];
    private final List<CommandDescriptor> all;

    private CommandTable(List<CommandDescriptor> descriptors) {
        List<CommandDescriptor> sorted = new ArrayList<>(descriptors);
        sorted.sort(Comparator.comparingInt(CommandDescriptor::opcode).thenComparingInt(CommandDescriptor::serviceAction));
        this.all = List.copyOf(sorted);
        for (CommandDescriptor d : sorted) {
            CommandDescriptor[] existing = byOpcode[d.opcode()];
            if (existing != null && (!existing[0].hasServiceAction() || !d.hasServiceAction())) {
                throw new IllegalArgumentException("opcode 0x" + Integer.toHexString(d.opcode()) + " registered twice");
            }
            if (existing == null) {
                byOpcode[d.opcode()] = new CommandDescriptor[]{d};
            } else {
                CommandDescriptor[] grown = Arrays.copyOf(existing, existing.length + 1);
                grown[existing.length] = d;
                byOpcode[d.opcode()] = grown;
            }
        }
    }

    public static CommandTable standard() {
        List<CommandDescriptor> d = new ArrayList<>();
        d.add(CommandDescriptor.of(0x00, -1, "TEST UNIT READY", "00 00 00 00 00 00", ALLOWED_UNDER_PR, SimpleCommands::testUnitReady));
        d.add(CommandDescriptor.of(0x03, -1, "REQUEST SENSE", "03 01 00 00 FF 00", ALWAYS, RequestSenseCommand::execute).withoutUnitAttention());
        d.add(CommandDescriptor.of(0x08, -1, "READ(6)", "08 1F FF FF FF 00", READ, ReadCommand::execute).onBlocks(READS));
        d.add(CommandDescriptor.of(0x0A, -1, "WRITE(6)", "0A 1F FF FF FF 00", WRITE, WriteCommand::write).onBlocks(WRITES));
        d.add(CommandDescriptor.of(0x12, -1, "INQUIRY", "12 01 FF FF FF 00", ALWAYS, InquiryCommand::execute).withoutUnitAttention());
        d.add(CommandDescriptor.of(0x15, -1, "MODE SELECT(6)", "15 11 00 00 FF 00", WRITE, ModeSenseCommand::modeSelect));
        d.add(CommandDescriptor.of(0x16, -1, "RESERVE(6)", "16 00 00 00 00 00", SPC2, PersistentReservations::reserve));
        d.add(CommandDescriptor.of(0x17, -1, "RELEASE(6)", "17 00 00 00 00 00", SPC2, PersistentReservations::release));
        d.add(CommandDescriptor.of(0x1A, -1, "MODE SENSE(6)", "1A 08 FF FF FF 00", READ, ModeSenseCommand::modeSense));
        d.add(CommandDescriptor.of(0x1B, -1, "START STOP UNIT", "1B 01 00 0F F7 00", WRITE, SimpleCommands::startStopUnit));
        d.add(CommandDescriptor.of(0x25, -1, "READ CAPACITY(10)", "25 00 FF FF FF FF 00 00 01 00", ALLOWED_UNDER_PR, CapacityCommands::readCapacity10));
        d.add(CommandDescriptor.of(0x28, -1, "READ(10)", "28 18 FF FF FF FF 00 FF FF 00", READ, ReadCommand::execute).onBlocks(READS));
        d.add(CommandDescriptor.of(0x2A, -1, "WRITE(10)", "2A 18 FF FF FF FF 00 FF FF 00", WRITE, WriteCommand::write).onBlocks(WRITES));
        d.add(CommandDescriptor.of(0x2E, -1, "WRITE AND VERIFY(10)", "2E 16 FF FF FF FF 00 FF FF 00", WRITE, WriteCommand::writeAndVerify).onBlocks(WRITES));
        d.add(CommandDescriptor.of(0x2F, -1, "VERIFY(10)", "2F 16 FF FF FF FF 00 FF FF 00", READ, VerifyCommand::execute).onBlocks(READS));
        d.add(CommandDescriptor.of(0x34, -1, "PRE-FETCH(10)", "34 02 FF FF FF FF 00 FF FF 00", READ, CacheCommands::prefetch).onBlocks(ADDRESSES));
        d.add(CommandDescriptor.of(0x35, -1, "SYNCHRONIZE CACHE(10)", "35 02 FF FF FF FF 00 FF FF 00", WRITE, CacheCommands::synchronizeCache)
                .onBlocks(ADDRESSES));
        d.add(CommandDescriptor.of(0x37, -1, "READ DEFECT DATA(10)", "37 00 1F 00 00 00 00 FF FF 00", READ, DefectDataCommand::execute));
        d.add(CommandDescriptor.of(0x41, -1, "WRITE SAME(10)", "41 08 FF FF FF FF 00 FF FF 00", WRITE, WriteSameCommand::execute).onBlocks(WRITES).timeout(120));
        d.add(CommandDescriptor.of(0x42, -1, "UNMAP", "42 00 00 00 00 00 00 FF FF 00", WRITE, UnmapCommand::execute)
                // a thin LUN releases space; a read-only one answers WRITE PROTECTED like every
                // other medium-changing command rather than pretending not to know UNMAP
                .onlyOn(lu -> lu.device().supportsUnmap() || lu.device().readOnly()).timeout(120));
        String sanitize = "48 BF 00 00 00 00 00 FF FF 00";
        d.add(CommandDescriptor.of(0x48, SanitizeCommand.BLOCK_ERASE, "SANITIZE", sanitize, WRITE, SanitizeCommand::execute)
                .onlyOn(SanitizeCommand::availableOn).timeout(300));
        d.add(CommandDescriptor.of(0x48, SanitizeCommand.EXIT_FAILURE_MODE, "SANITIZE", sanitize, WRITE, SanitizeCommand::execute)
                .onlyOn(SanitizeCommand::availableOn));
        d.add(CommandDescriptor.of(0x55, -1, "MODE SELECT(10)", "55 11 00 00 00 00 00 FF FF 00", WRITE, ModeSenseCommand::modeSelect));
        d.add(CommandDescriptor.of(0x56, -1, "RESERVE(10)", "56 00 00 00 00 00 00 00 00 00", SPC2, PersistentReservations::reserve));
        d.add(CommandDescriptor.of(0x57, -1, "RELEASE(10)", "57 00 00 00 00 00 00 00 00 00", SPC2, PersistentReservations::release));
        d.add(CommandDescriptor.of(0x5A, -1, "MODE SENSE(10)", "5A 18 FF FF 00 00 00 FF FF 00", READ, ModeSenseCommand::modeSense));
        String prin = "5E 1F 00 00 00 00 00 FF FF 00";
        for (int sa = 0; sa <= 3; sa++) {
            d.add(CommandDescriptor.of(0x5E, sa, "PERSISTENT RESERVE IN", prin, ALLOWED_UNDER_PR, PersistentReservations::in));
        }
        String prout = "5F 1F FF 00 00 FF FF FF FF 00";
        for (int sa = 0; sa <= 6; sa++) {
            d.add(CommandDescriptor.of(0x5F, sa, "PERSISTENT RESERVE OUT", prout, ALLOWED_UNDER_PR, PersistentReservations::out));
        }
        String rw16 = "18 FF FF FF FF FF FF FF FF FF FF FF FF 00 00";
        d.add(CommandDescriptor.of(0x88, -1, "READ(16)", "88 " + rw16, READ, ReadCommand::execute).onBlocks(READS));
        d.add(CommandDescriptor.of(0x89, -1, "COMPARE AND WRITE", "89 18 FF FF FF FF FF FF FF FF 00 00 00 FF 00 00", WRITE, CompareAndWriteCommand::execute)
                .onBlocks(WRITES));
        d.add(CommandDescriptor.of(0x8A, -1, "WRITE(16)", "8A " + rw16, WRITE, WriteCommand::write).onBlocks(WRITES));
        d.add(CommandDescriptor.of(0x8B, -1, "ORWRITE(16)", "8B " + rw16, WRITE, OrWriteCommand::execute).onBlocks(WRITES));
        d.add(CommandDescriptor.of(0x8E, -1, "WRITE AND VERIFY(16)", "8E 16 FF FF FF FF FF FF FF FF FF FF FF FF 00 00", WRITE, WriteCommand::writeAndVerify)
                .onBlocks(WRITES));
        d.add(CommandDescriptor.of(0x8F, -1, "VERIFY(16)", "8F 16 FF FF FF FF FF FF FF FF FF FF FF FF 00 00", READ, VerifyCommand::execute).onBlocks(READS));
        d.add(CommandDescriptor.of(0x90, -1, "PRE-FETCH(16)", "90 02 FF FF FF FF FF FF FF FF FF FF FF FF 00 00", READ, CacheCommands::prefetch)
                .onBlocks(ADDRESSES));
        d.add(CommandDescriptor.of(0x91, -1, "SYNCHRONIZE CACHE(16)", "91 02 FF FF FF FF FF FF FF FF FF FF FF FF 00 00", WRITE, CacheCommands::synchronizeCache)
                .onBlocks(ADDRESSES));
        d.add(CommandDescriptor.of(0x93, -1, "WRITE SAME(16)", "93 09 FF FF FF FF FF FF FF FF FF FF FF FF 00 00", WRITE, WriteSameCommand::execute)
                .onBlocks(WRITES).timeout(120));
        d.add(CommandDescriptor.of(0x9C, -1, "WRITE ATOMIC(16)", "9C 18 FF FF FF FF FF FF FF FF FF FF FF FF 00 00", WRITE, WriteAtomicCommand::execute)
                .onBlocks(WRITES));
        d.add(CommandDescriptor.of(0x9E, 0x10, "READ CAPACITY(16)", "9E 1F 00 00 00 00 00 00 00 00 FF FF FF FF 00 00", ALLOWED_UNDER_PR, CapacityCommands::readCapacity16));
        d.add(CommandDescriptor.of(0x9E, 0x12, "GET LBA STATUS", "9E 1F FF FF FF FF FF FF FF FF FF FF FF FF 00 00", READ, CapacityCommands::getLbaStatus));
        d.add(CommandDescriptor.of(0xA0, -1, "REPORT LUNS", "A0 00 FF 00 00 00 FF FF FF FF 00 00", ALWAYS,
                ctx -> ReportLunsCommand.execute(ctx.request(), ctx.target().luns())).withoutUnitAttention());
        d.add(CommandDescriptor.of(0xA3, 0x0C, "REPORT SUPPORTED OPERATION CODES", "A3 1F 87 FF FF FF FF FF FF FF 00 00", ALWAYS, ReportSupportedCommands::operationCodes));
        d.add(CommandDescriptor.of(0xA3, 0x0D, "REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS", "A3 1F 80 00 00 00 FF FF FF FF 00 00", ALWAYS, ReportSupportedCommands::taskManagementFunctions));
        String rw12 = "18 FF FF FF FF FF FF FF FF 00 00";
        d.add(CommandDescriptor.of(0xA8, -1, "READ(12)", "A8 " + rw12, READ, ReadCommand::execute).onBlocks(READS));
        d.add(CommandDescriptor.of(0xAA, -1, "WRITE(12)", "AA " + rw12, WRITE, WriteCommand::write).onBlocks(WRITES));
        d.add(CommandDescriptor.of(0xB7, -1, "READ DEFECT DATA(12)", "B7 1F FF FF FF FF FF FF FF FF 00 00", READ, DefectDataCommand::execute));
        d.add(CommandDescriptor.of(0xAE, -1, "WRITE AND VERIFY(12)", "AE 16 FF FF FF FF FF FF FF FF 00 00", WRITE, WriteCommand::writeAndVerify)
                .onBlocks(WRITES));
        d.add(CommandDescriptor.of(0xAF, -1, "VERIFY(12)", "AF 16 FF FF FF FF FF FF FF FF 00 00", READ, VerifyCommand::execute).onBlocks(READS));
        return new CommandTable(d);
    }

    /** Whether this opcode is one with service actions (so option 1 of RSOC must be refused for it). */
    public boolean hasServiceActions(int opcode) {
        CommandDescriptor[] ds = byOpcode[opcode & 0xFF];
        return ds != null && ds[0].hasServiceAction();
    }

    /** The descriptor for an opcode (and service action, for opcodes that have them) on a LUN, or null. */
    public CommandDescriptor find(int opcode, int serviceAction, LogicalUnit lu) {
        CommandDescriptor[] ds = byOpcode[opcode & 0xFF];
        if (ds == null) return null;
        for (CommandDescriptor d : ds) {
            if ((!d.hasServiceAction() || d.serviceAction() == serviceAction) && (lu == null || d.availableOn().test(lu))) {
                return d;
            }
        }
        return null;
    }

    /** The descriptor a CDB selects, or a {@link CommandFailure} saying why there is none. */
    public CommandDescriptor lookup(byte[] cdb, LogicalUnit lu) {
        int opcode = cdb[0] & 0xFF;
        CommandDescriptor[] ds = byOpcode[opcode];
        if (ds == null) throw CommandFailure.check(Sense.INVALID_OPCODE);
        if (!ds[0].hasServiceAction()) {
            if (!ds[0].availableOn().test(lu)) throw CommandFailure.check(Sense.INVALID_OPCODE);
            return ds[0];
        }
        CommandDescriptor d = find(opcode, Cdb.serviceAction(cdb), lu);
        // pointing at byte 1 tells the initiator it is the service action that is not supported
        if (d == null) throw CommandFailure.invalidCdbField(1, 4);
        return d;
    }

    /** Every command available on a LUN, by opcode then service action. */
    public List<CommandDescriptor> available(LogicalUnit lu) {
        return all.stream().filter(d -> d.availableOn().test(lu)).toList();
    }

    public List<CommandDescriptor> all() {
        return all;
    }
}
