package org.icbd.cli;

import org.icbd.scsi.ScsiTarget;

/**
 * The LUN field of an iPXE {@code iscsi:} URI. iPXE reads it as up to four '-'-separated
 * groups of hex digits forming the 8-byte SAM LUN, not as a decimal LUN number: LUN 10 is
 * {@code a}, and LUNs from 256 up need flat addressing ({@code 0x4000 | lun}).
 */
final class IpxeLun {

    private IpxeLun() {
    }

    static String format(long lun) {
        if (lun < 0 || lun > ScsiTarget.MAX_LUN) throw new IllegalArgumentException("LUN out of range: " + lun);
        return Long.toHexString(lun < 256 ? lun : 0x4000 | lun);
    }

    /** {@code sanboot iscsi:HOST::PORT:LUN:IQN} (the empty field is the protocol, 6 = TCP by default). */
    static String sanboot(String host, int port, long lun, String iqn) {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return "sanboot iscsi:" + h + "::" + port + ":" + format(lun) + ":" + iqn;
    }
}
