package org.icbd.testsupport;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** A missing part skips a test on a developer's machine and fails it in CI. */
class RequiresTest {

    @Test
    void aMissingPartFailsWhenSystemTestsAreRequired() {
        String before = System.getProperty("icbd.requireSystemTests");
        System.setProperty("icbd.requireSystemTests", "true");
        try {
            assertTrue(Requires.strict());
            AssertionFailedError e = assertThrows(AssertionFailedError.class,
                    () -> Requires.tool("icbd-no-such-tool", "apt-get install nothing"));
            assertTrue(e.getMessage().contains("icbd-no-such-tool is missing: apt-get install nothing"), e.getMessage());
            assertDoesNotThrow(() -> Requires.tool("sh", "it is always there"));
        } finally {
            if (before == null) System.clearProperty("icbd.requireSystemTests");
            else System.setProperty("icbd.requireSystemTests", before);
        }
    }

    @Test
    void aMissingPartSkipsOtherwise() {
        Assumptions.assumeFalse(Requires.strict(), "ICBD_REQUIRE_SYSTEM_TESTS is set here: a missing part fails, as the other test shows");
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> Requires.that(false, "no frobnicator"));
        assertTrue(e.getMessage().contains("no frobnicator"), e.getMessage());
    }

    @Test
    void rootIsTheEffectiveUser() {
        assertEquals("root".equals(System.getProperty("user.name")), Requires.isRoot());
    }
}
