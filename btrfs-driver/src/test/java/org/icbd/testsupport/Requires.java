package org.icbd.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one place a test says what the machine must have (root, a tool, loop devices, namespaces). Where it
 * is missing the test is skipped with the reason; but where {@code ICBD_REQUIRE_SYSTEM_TESTS=1} is set (CI
 * sets it in {@code .ci/run}, or {@code -Dicbd.requireSystemTests=true}), it FAILS with the reason, so a CI
 * machine that lacks them cannot pass green with the system tests silently skipped.
 */
public final class Requires {

    public static final String FLAG = "ICBD_REQUIRE_SYSTEM_TESTS";

    private Requires() {
    }

    /** Whether missing parts fail the tests instead of skipping them. */
    public static boolean strict() {
        String env = System.getenv(FLAG);
        return (env != null && !env.isBlank() && !env.equals("0")) || Boolean.getBoolean("icbd.requireSystemTests");
    }

    /** Skips (or, in CI, fails) the test unless {@code available}; {@code reason} says what is missing and how to get it. */
    public static void that(boolean available, String reason) {
        if (available) return;
        if (strict()) Assertions.fail(reason + " (required: " + FLAG + " is set)");
        Assumptions.abort(reason);
    }

    /** The test needs root (loop devices, mounts, network namespaces); {@code why} says for what. */
    public static void root(String why) {
        that(isRoot(), "not root: " + why + " need root");
    }

    /** The test needs {@code tool} on the PATH; {@code install} says how to get it, e.g. "apt-get install libiscsi-bin". */
    public static void tool(String tool, String install) {
        that(onPath(tool), tool + " is missing: " + install);
    }

    /** The effective user is root (the second field of {@code Uid:} in /proc/self/status). */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[2].equals("0");
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no /proc: not a machine the system tests can run on
        }
        return false;
    }

    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }
}
