package org.icbd.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class VersionSpecTest {

    @Test
    void imageAtVersionAndImageAloneForTheNewest() {
        assertEquals(new VersionSpec(new VolumeName("win11"), 3), VersionSpec.parse("win11@3"));
        assertEquals(new VersionSpec(new VolumeName("win11"), 0), VersionSpec.parseOrNewest("win11"));
        assertEquals("win11@3", VersionSpec.parse("win11@3").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"win11", "win11@", "win11@0", "win11@-1", "win11@x", "@3", "../x@1", "win11@3@4"})
    void anythingElseIsRefusedSayingWhatIsExpected(String spec) {
        VolumeException e = assertThrows(VolumeException.class, () -> VersionSpec.parse(spec));
        assertEquals(VolumeException.Kind.INVALID, e.kind());
    }
}
