package org.icbd.systest.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs libiscsi's conformance suite (iscsi-test-cu) one test per process with a timeout, so a
 * hang in one test cannot stall the rest, and keeps every test's log.
 */
public final class LibiscsiSuite {

    private final Path logDir;
    private final int timeoutSeconds;

    public LibiscsiSuite(Path logDir, int timeoutSeconds) {
        this.logDir = logDir;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Every test name (ALL.Family.Test) whose name matches {@code filter}. */
    public List<String> list(Pattern filter) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("iscsi-test-cu", "-l").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        List<String> names = new ArrayList<>();
        for (String line : out.split("\n")) {
            String t = line.strip();
            if (t.matches("ALL\\.[^.]+\\.[^.]+") && filter.matcher(t).find()) names.add(t);
        }
        return names;
    }

    /** Runs the tests against {@code url} (and {@code url2} for the MultipathIO family). */
    public Map<String, CunitResult> run(List<String> tests, String url, String url2) throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        Map<String, CunitResult> results = new LinkedHashMap<>();
        for (String t : tests) {
            Path log = logDir.resolve(t + ".log");
            List<String> cmd = new ArrayList<>(List.of("iscsi-test-cu", "-d", "-S", "-t", t, url));
            if (url2 != null) cmd.add(url2);
            Process p = new ProcessBuilder(cmd).directory(logDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            String output = Files.readString(log, StandardCharsets.ISO_8859_1);
            results.put(t, CunitResult.parse(t, output, !done));
        }
        return results;
    }

    /** One line per test and the count line ("N passed, N failed, N skipped"). */
    public static String report(Map<String, CunitResult> results) {
        StringBuilder sb = new StringBuilder();
        results.forEach((name, r) -> sb.append(String.format("%-8s %-50s %s%n", r.status(), name, r.note())));
        sb.append(countLine(results)).append('\n');
        return sb.toString();
    }

    public static String countLine(Map<String, CunitResult> results) {
        long pass = results.values().stream().filter(r -> r.status() == CunitResult.Status.PASS).count();
        long skip = results.values().stream().filter(r -> r.status() == CunitResult.Status.SKIP).count();
        return pass + " passed, " + (results.size() - pass - skip) + " failed, " + skip + " skipped";
    }
}
