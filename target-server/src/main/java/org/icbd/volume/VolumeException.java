package org.icbd.volume;

/** A volume operation that cannot be done, with a message fit for the operator (what, which name, why). */
public final class VolumeException extends RuntimeException {

    /** Why, in the terms an API client branches on. */
    public enum Kind {
        /** The request itself is wrong (a bad name, a version that cannot exist). */
        INVALID,
        /** It names an image, version or clone that does not exist. */
        NOT_FOUND,
        /** It clashes with what exists (the name is taken, clones still depend on it). */
        CONFLICT,
        /** It would take space the data root is kept from (below {@code workstations.min-free-mib}). */
        NO_SPACE,
        /** The file system or the catalog failed underneath. */
        FAILED
    }

    private final Kind kind;

    public VolumeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public VolumeException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
