package org.icbd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostPortTest {

    @Test
    void parsesForms() {
        assertEquals(new HostPort("127.0.0.1", 3260), HostPort.parse("127.0.0.1:3260", 1));
        assertEquals(new HostPort("example.org", 7), HostPort.parse("example.org", 7));
        assertEquals(new HostPort("::1", 0), HostPort.parse("[::1]:0", 1));
        assertEquals(new HostPort("::1", 9), HostPort.parse("[::1]", 9));
        assertEquals("[::1]:0", HostPort.parse("[::1]:0", 1).toString());
        assertEquals("10.0.0.1:3260", HostPort.parse("10.0.0.1:3260", 1).toString());
    }

    @Test
    void refusesBadForms() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostPort.parse("::1:3260", 1)).getMessage().contains("brackets"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:65536", 1)).getMessage().contains("0 to 65535"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostPort.parse(":3260", 1)).getMessage().contains("host is missing"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:x", 1)).getMessage().contains("number"));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("", 1));
    }
}
