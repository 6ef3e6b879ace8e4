package org.icbd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class IpxeLunTest {

    @Test
    void lunFieldIsHexSamLun() {
        assertEquals("0", IpxeLun.format(0));
        assertEquals("a", IpxeLun.format(10));
        assertEquals("ff", IpxeLun.format(255));
        assertEquals("4100", IpxeLun.format(256));
    }

    @Test
    void sanbootLine() {
        assertEquals("sanboot iscsi:127.0.0.1::3260:0:iqn.2026-11.org.icbd:demo",
                IpxeLun.sanboot("127.0.0.1", 3260, 0, "iqn.2026-11.org.icbd:demo"));
        assertEquals("sanboot iscsi:[::1]::3261:c:iqn.x", IpxeLun.sanboot("::1", 3261, 12, "iqn.x"));
    }
}
