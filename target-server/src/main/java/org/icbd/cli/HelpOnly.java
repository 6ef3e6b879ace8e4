package org.icbd.cli;

import picocli.CommandLine.Option;

/**
 * {@code -h/--help} alone, for commands with an option of their own named {@code --version}: picocli's
 * standard help options add {@code --version} too, and with both a command's help was lost
 * ('icbd lun map --help' answered "Missing required option").
 */
final class HelpOnly {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;
}
