package org.icbd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --help} prints help for every command, even those with required options ('lun map' printed an error). */
class HelpEverywhereTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"lun map", "lun map --target iqn.2026-11.org.example:x", "lun unmap", "workstation add", "workstation reset",
            "workstation set", "clone reset", "boot-script"})
    void helpIsHelp(String command) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = (command + " --help").split(" ");
        int exit = IcbdCommand.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
        assertEquals(0, exit, err.toString());
        assertTrue(out.toString().startsWith("Usage: icbd " + command.split(" --")[0]), out.toString());
        assertEquals("", err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"lun map --target iqn.2026-11.org.example:x", "lun map --target iqn.2026-11.org.example:x --clone a --version b@1"})
    void mapNeedsExactlyOneSource(String command) {
        StringWriter err = new StringWriter();
        int exit = IcbdCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err))
                .execute((command + " --data-root " + dir).split(" "));
        assertEquals(2, exit, err.toString());
        assertTrue(err.toString().contains("exactly one of --clone NAME and --version IMAGE@N"), err.toString());
    }
}
