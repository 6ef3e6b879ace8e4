package org.icbd.volume;

/** A volume operation that cannot be done, with a message fit for the operator (what, which name, why). */
public final class VolumeException extends RuntimeException {

    public VolumeException(String message) {
        super(message);
    }

    public VolumeException(String message, Throwable cause) {
        super(message, cause);
    }
}
