package org.icbd.cli;

/** Entry point of the runnable jar; the command tree lives in {@code IcbdCommand}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.err.println("icbd: commands are being built");
        System.exit(2);
    }
}
