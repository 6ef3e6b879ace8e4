package org.icbd.systest.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CunitResultTest {

    private static String run(String body, int passed, int failed) {
        return "Suite: iSCSIdatasn\n  Test: iSCSIDataSnInvalid ..." + body + "\nRun Summary:    Type  Total    Ran Passed Failed Inactive\n"
                + "              suites      1      1    n/a      0        0\n"
                + "              tests      1      1      " + passed + "      " + failed + "        0\n";
    }

    @Test
    void expectedFailuresPrintedByAPassingTestDoNotCountAsFailure() {
        String out = run("    [FAILED] WRITE10 command failed with status 2 / sense key COMMAND ABORTED(0x0b)\npassed", 1, 0);
        assertEquals(CunitResult.Status.PASS, CunitResult.parse("ALL.iSCSIdatasn.iSCSIDataSnInvalid", out, false).status());
    }

    @Test
    void failedAssertionIsFailureWithItsLocation() {
        String out = run("FAILED\n    1. test_x.c:98  - CU_ASSERT_NOT_EQUAL(ret,0)", 0, 1);
        CunitResult r = CunitResult.parse("ALL.iSCSIdatasn.iSCSIDataSnInvalid", out, false);
        assertEquals(CunitResult.Status.FAIL, r.status());
        assertEquals("test_x.c:98  - CU_ASSERT_NOT_EQUAL(ret,0)", r.note());
    }

    @Test
    void skipInsideTheTestIsSkipButSetupProbesAreNot() {
        String probe = "[SKIPPED] PERSISTENT RESERVE IN is not implemented.\n";
        assertEquals(CunitResult.Status.PASS, CunitResult.parse("ALL.iSCSIdatasn.iSCSIDataSnInvalid", probe + run("passed", 1, 0), false).status());
        assertEquals(CunitResult.Status.SKIP,
                CunitResult.parse("ALL.iSCSIdatasn.iSCSIDataSnInvalid", run("    [SKIPPED] not removable\npassed", 1, 0), false).status());
    }

    @Test
    void missingSummaryIsErrorAndTimeoutIsTimeout() {
        assertEquals(CunitResult.Status.ERROR, CunitResult.parse("ALL.X.Y", "Login Failed.\n", false).status());
        assertEquals(CunitResult.Status.TIMEOUT, CunitResult.parse("ALL.X.Y", "", true).status());
    }
}
