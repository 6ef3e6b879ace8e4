package org.icbd.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VolumeNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"win11", "ws-042", "Ubuntu_24.04", "a", "0123456789012345678901234567890123456789012345678901234567890ab"})
    void plainNamesAreAccepted(String name) {
        assertEquals(name, new VolumeName(name).value());
    }

    /** Names become directories under the data root and words in shell lines and ZooKeeper paths. */
    @ParameterizedTest
    @ValueSource(strings = {"", "..", "../etc", "a/b", "/abs", ".hidden", "-rf", "a..b", "ws 01", "ws;reboot", "$(id)", "ws\n01",
            "wé", "a\0b", "0123456789012345678901234567890123456789012345678901234567890abc"})
    void hostileNamesAreRefusedWithTheRule(String name) {
        VolumeException e = assertThrows(VolumeException.class, () -> new VolumeName(name));
        assertTrue(e.getMessage().contains("letters, digits"), e.getMessage());
    }
}
