package org.icbd.config;

/**
 * A configuration mistake the operator can fix: names where it is (a key path such as
 * {@code targets[1].luns[0].path}, or a command-line option) and what is wrong with it.
 * Its message is meant to be printed as is, without a stack trace.
 */
public final class ConfigException extends Exception {

    private final String where;

    public ConfigException(String where, String problem) {
        super(where.isEmpty() ? problem : where + ": " + problem);
        this.where = where;
    }

    public ConfigException(String where, String problem, Throwable cause) {
        this(where, problem);
        initCause(cause);
    }

    /** The key path or option the problem is at ({@code ""} for the file as a whole). */
    public String where() {
        return where;
    }
}
