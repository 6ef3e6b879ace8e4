package org.icbd.scsi;

import java.io.IOException;

/** Runs one command. Bad input is reported by throwing {@link CommandFailure}; I/O errors become MEDIUM ERROR. */
@FunctionalInterface
public interface CommandHandler {
    ScsiResponse execute(CommandContext ctx) throws IOException;
}
