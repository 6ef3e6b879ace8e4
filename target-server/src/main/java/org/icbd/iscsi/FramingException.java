package org.icbd.iscsi;

/** A byte stream that cannot be framed safely any more: the connection must close. */
public final class FramingException extends Exception {
    private final byte[] bhs;
    private final int rejectReason;

    public FramingException(String message, byte[] bhs, int rejectReason) {
        super(message);
        this.bhs = bhs;
        this.rejectReason = rejectReason;
    }

    /** The offending header (to echo in a Reject), or null when even the header is not trusted. */
    public byte[] bhs() {
        return bhs;
    }

    public int rejectReason() {
        return rejectReason;
    }
}
