package org.icbd.iscsi;

/**
 * Whether this portal may answer its clients at this instant. A cluster node may only while its
 * leadership is confirmed (a node that may have been deposed must not answer a read with old data,
 * acknowledge a write, or accept a login). Asked before a command runs and again just before every PDU
 * leaves; when it says no, nothing more is sent on that connection and it is closed, so the initiator
 * reconnects (to whichever node holds the virtual IP by then).
 */
@FunctionalInterface
public interface ServingGate {
    /** A standalone target: always answers. */
    ServingGate ALWAYS = () -> true;

    /** May block briefly while the right to answer is being confirmed; false means answer nothing. */
    boolean mayAnswer();
}
