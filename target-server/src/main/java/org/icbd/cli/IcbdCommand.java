package org.icbd.cli;

import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import org.icbd.btrfs.BtrfsException;
import org.icbd.config.ConfigException;
import org.icbd.volume.VolumeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The root of the command tree: {@code icbd <command>}. */
@Command(name = "icbd", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "iSCSI target appliance for diskless workstations.",
        subcommands = {ExportCommand.class, ServeCommand.class, DemoCommand.class, ImageCommand.class, CloneCommand.class,
                LunCommand.class, WorkstationCommand.class, GroupCommand.class, BootScriptCommand.class, ZooKeeperCommand.class, ClusterCommand.class, ReplicationCommand.class,
                VersionCommand.class,
                CommandLine.HelpCommand.class})
public final class IcbdCommand implements Runnable {

    /** Exit code of a usage or configuration mistake (picocli's own code for bad arguments). */
    public static final int USAGE = CommandLine.ExitCode.USAGE;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (export, serve, demo, image, clone, lun, version)");
    }

    /** The command line wired for this program: user mistakes print one line and exit 2, no stack trace. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new IcbdCommand());
        cl.setExecutionExceptionHandler(IcbdCommand::onError);
        cl.setParameterExceptionHandler(IcbdCommand::onBadArguments);
        return cl;
    }

    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine().setOut(out).setErr(err);
    }

    /** One line naming the mistake and where help is, instead of the whole usage text. */
    private static int onBadArguments(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("icbd: " + e.getMessage());
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
            err.println("Run '" + cl.getCommandSpec().qualifiedName() + " --help' for usage.");
        }
        err.flush();
        return USAGE;
    }

    private static int onError(Exception e, CommandLine cl, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof ConfigException) {
            cl.getErr().println(cl.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            cl.getErr().flush();
            return USAGE;
        }
        if (e instanceof VolumeException || e instanceof BtrfsException
                || e instanceof FileSystemException) {
            // an operation that could not be done: say what and why, leave the stack trace out
            cl.getErr().println(cl.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            cl.getErr().flush();
            return 1;
        }
        throw e;
    }
}
