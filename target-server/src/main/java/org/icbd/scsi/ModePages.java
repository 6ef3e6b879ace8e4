package org.icbd.scsi;

import java.io.ByteArrayOutputStream;

/**
 * The mode pages a logical unit reports (SPC-4 7.5, SBC-3 6.5). The write cache is the host's
 * page cache and stays on (so initiators send SYNCHRONIZE CACHE and FUA), and the control page
 * values describe what the command layer actually does. The one changeable bit is the control
 * page's SWP (software write protect), which clustered initiators use to fence a disk; it is not
 * saved: like every mode parameter here it starts cleared when the target starts.
 */
final class ModePages {

    static final int PAGE_RW_ERROR_RECOVERY = 0x01;
    static final int PAGE_CACHING = 0x08;
    static final int PAGE_CONTROL = 0x0A;
    static final int ALL_PAGES = 0x3F;

    static final int PC_CURRENT = 0;
    static final int PC_CHANGEABLE = 1;
    static final int PC_DEFAULT = 2;

    private static final int[] PAGES = {PAGE_RW_ERROR_RECOVERY, PAGE_CACHING, PAGE_CONTROL};
    /** SWP: byte 4, bit 3 of the control mode page. */
    static final int CONTROL_SWP_BYTE = 4;
    static final int CONTROL_SWP_BIT = 0x08;

    private volatile boolean softwareWriteProtect;

    boolean softwareWriteProtect() {
        return softwareWriteProtect;
    }

    void softwareWriteProtect(boolean on) {
        softwareWriteProtect = on;
    }

    /** One page in the form MODE SENSE returns it, or null if we have no such page. */
    byte[] page(int code, int pageControl) {
        byte[] p = switch (code) {
            case PAGE_RW_ERROR_RECOVERY -> new byte[12];
            case PAGE_CACHING -> new byte[20];
            case PAGE_CONTROL -> new byte[12];
            default -> null;
        };
        if (p == null) return null;
        p[0] = (byte) code;
        p[1] = (byte) (p.length - 2);
        if (pageControl == PC_CHANGEABLE) {
            if (code == PAGE_CONTROL) p[CONTROL_SWP_BYTE] = CONTROL_SWP_BIT;
            return p;
        }
        switch (code) {
            case PAGE_CACHING -> p[2] = 0x04; // WCE: writes are cached until SYNCHRONIZE CACHE or FUA
            case PAGE_CONTROL -> {
                p[3] = 0x10;  // queue algorithm modifier 1: unrestricted reordering; QERR 0
                Cdb.put16(p, 8, 0xFFFF); // busy timeout period: unlimited
                if (pageControl == PC_CURRENT && softwareWriteProtect) p[CONTROL_SWP_BYTE] |= CONTROL_SWP_BIT;
            }
            default -> {
            }
        }
        return p;
    }

    /** Page 0x3F: every page in ascending order. */
    byte[] allPages(int pageControl) {
        var out = new ByteArrayOutputStream();
        for (int code : PAGES) out.writeBytes(page(code, pageControl));
        return out.toByteArray();
    }
}
