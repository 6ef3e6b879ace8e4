package org.icbd.cli;

/** Entry point of the runnable jar; the command tree lives in {@link IcbdCommand}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(IcbdCommand.commandLine().execute(args));
    }
}
