package org.icbd.scsi;

import java.nio.ByteBuffer;
import org.icbd.storage.BlockDevice;

/**
 * What a handler needs to run one command.
 *
 * @param blocks the blocks a block command's CDB names, decoded and checked against the unit
 *               ({@link ReadWriteCdb#parse}); null for commands that name none
 */
public record CommandContext(ScsiRequest request, LogicalUnit unit, LogicalUnitSet target, ReadWriteCdb blocks) {

    public byte[] cdb() {
        return request.cdb();
    }

    public Nexus nexus() {
        return request.nexus();
    }

    public BlockDevice device() {
        return unit.device();
    }

    /** Data-Out as a byte array of at most {@code length} bytes (parameter lists are small). */
    public byte[] parameterList(int length) {
        ByteBuffer out = request.dataOut();
        int n = out == null ? 0 : Math.min(length, out.remaining());
        byte[] b = new byte[n];
        if (n > 0) out.duplicate().get(b);
        return b;
    }

    /** Bytes of Data-Out the initiator actually sent. */
    public int dataOutLength() {
        ByteBuffer out = request.dataOut();
        return out == null ? 0 : out.remaining();
    }
}
