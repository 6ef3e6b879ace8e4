package org.icbd.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IscsiNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"iqn.2026-11.org.icbd:export", "iqn.1993-08.org.debian:01:2b2d5f6e2a4", "iqn.2001-04.com.example",
            "iqn.1991-05.com.microsoft:desktop-7h3k2", "iqn.2010-04.org.ipxe:00000000-0000-0000-0000-000000000000",
            "eui.02004567A425678D", "naa.52004567BA64678D", "naa.62004567BA64678D0123456789ABCDEF"})
    void accepts(String name) {
        assertTrue(IscsiNames.problem(name).isEmpty(), () -> name + ": " + IscsiNames.problem(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "target1", "iqn.2026.org.example", "iqn.2026-13.org.example", "iqn.2026-11.", "iqn.2026-11.-bad.org",
            "iqn.2026-11.org.example:has space", "iqn.2026-11.org.example:under_score", "IQN.2026-11.org.example",
            "eui.0200", "eui.02004567A425678Z", "naa.1234"})
    void refuses(String name) {
        assertTrue(IscsiNames.problem(name).isPresent(), name);
    }

    @ParameterizedTest
    @ValueSource(ints = {224, 300})
    void refusesOverlongNames(int length) {
        String name = "iqn.2026-11.org.example:" + "x".repeat(length - 24);
        assertTrue(IscsiNames.problem(name).orElseThrow().contains("223 bytes"));
    }
}
