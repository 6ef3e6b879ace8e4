package org.icbd.iscsi;

/** A PDU from the initiator, parsed into an immutable record (see {@link PduParser}). */
public sealed interface InboundPdu permits InboundPdu.ScsiCommand, InboundPdu.DataOut, InboundPdu.NopOut,
        InboundPdu.TaskMgmt, InboundPdu.Login, InboundPdu.Text, InboundPdu.Logout, InboundPdu.Unsupported {

    /** The received header, echoed in a Reject if the PDU is refused. */
    byte[] bhs();

    int itt();

    record ScsiCommand(byte[] bhs, boolean immediate, boolean fin, boolean read, boolean write, int attribute,
                       long lun, int itt, int expectedLength, int cmdSn, int expStatSn, byte[] cdb,
                       byte[] immediateData) implements InboundPdu {
    }

    record DataOut(byte[] bhs, boolean fin, long lun, int itt, int ttt, int expStatSn, int dataSn,
                   int bufferOffset, byte[] data) implements InboundPdu {
    }

    record NopOut(byte[] bhs, boolean immediate, long lun, int itt, int ttt, int cmdSn, int expStatSn,
                  byte[] data) implements InboundPdu {
    }

    record TaskMgmt(byte[] bhs, boolean immediate, int function, long lun, int itt, int referencedTag, int cmdSn,
                    int expStatSn, int refCmdSn, int expDataSn) implements InboundPdu {
    }

    record Login(byte[] bhs, boolean transit, boolean cont, int csg, int nsg, int versionMax, int versionMin,
                 byte[] isid, int tsih, int itt, int cid, int cmdSn, int expStatSn, byte[] data) implements InboundPdu {
    }

    record Text(byte[] bhs, boolean immediate, boolean fin, boolean cont, long lun, int itt, int ttt, int cmdSn,
                int expStatSn, byte[] data) implements InboundPdu {
    }

    record Logout(byte[] bhs, boolean immediate, int reason, int itt, int cid, int cmdSn,
                  int expStatSn) implements InboundPdu {
    }

    /** An opcode this target does not implement (SNACK at ErrorRecoveryLevel 0, vendor codes...). */
    record Unsupported(byte[] bhs, int opcode, int itt) implements InboundPdu {
    }
}
