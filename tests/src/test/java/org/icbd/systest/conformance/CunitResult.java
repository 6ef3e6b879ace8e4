package org.icbd.systest.conformance;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The outcome of one iscsi-test-cu test, read from its output. CUnit's "Run Summary" line
 * ({@code tests  1  1  1  0  0}: total, ran, passed, failed, inactive) is authoritative;
 * "[FAILED]" lines alone are not, because tests that expect a command to fail print them too.
 */
public record CunitResult(Status status, String note) {

    public enum Status { PASS, FAIL, SKIP, TIMEOUT, ERROR }

    private static final Pattern SUMMARY = Pattern.compile("^\\s*tests\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*$",
            Pattern.MULTILINE);
    private static final Pattern ASSERTION = Pattern.compile("^\\s*\\d+\\. (\\S+:\\d+\\s+- .*)$", Pattern.MULTILINE);
    private static final Pattern SKIPPED = Pattern.compile("\\[SKIPPED\\][^\\n]*");

    /** Parses the output of {@code iscsi-test-cu -t NAME}; {@code timedOut} when it was killed. */
    public static CunitResult parse(String testName, String output, boolean timedOut) {
        if (timedOut) return new CunitResult(Status.TIMEOUT, "killed after timeout");
        Matcher m = SUMMARY.matcher(output);
        if (!m.find()) {
            String[] lines = output.strip().split("\n");
            String tail = String.join(" | ", Arrays.copyOfRange(lines, Math.max(0, lines.length - 3), lines.length));
            return new CunitResult(Status.ERROR, "no CUnit summary: " + tail);
        }
        int ran = Integer.parseInt(m.group(2));
        int passed = Integer.parseInt(m.group(3));
        int failed = Integer.parseInt(m.group(4));
        if (ran == 0) return new CunitResult(Status.ERROR, "test " + testName + " did not run");
        if (failed > 0 || passed < ran) {
            Matcher a = ASSERTION.matcher(output);
            return new CunitResult(Status.FAIL, a.find() ? a.group(1) : "failed");
        }
        // only the test's own output counts: the suite's setup probes print [SKIPPED] for optional opcodes
        String simple = testName.substring(testName.lastIndexOf('.') + 1);
        int start = output.indexOf("Test: " + simple + " ...");
        String own = start < 0 ? output : output.substring(start);
        Matcher s = SKIPPED.matcher(own);
        if (s.find()) return new CunitResult(Status.SKIP, s.group());
        return new CunitResult(Status.PASS, "");
    }
}
