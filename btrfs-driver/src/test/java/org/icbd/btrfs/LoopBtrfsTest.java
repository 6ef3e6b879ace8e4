package org.icbd.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.icbd.testsupport.Requires;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/** The fixture itself: it mounts a real btrfs and leaves nothing behind, even after a failing test. */
class LoopBtrfsTest {

    @Test
    void createsMountedBtrfsAndRemovesEverythingOnClose() throws IOException {
        Requires.that(LoopBtrfs.unavailableReason().isEmpty(), "loop btrfs unavailable: " + LoopBtrfs.unavailableReason().orElse(""));
        LoopBtrfs fs = LoopBtrfs.create(256L << 20);
        Path root = fs.root();
        Path device = fs.device();
        Path image = fs.image();
        try {
            assertTrue(mounted(root), root + " mounted");
            assertTrue(new Btrfs().isBtrfs(root));
            assertEquals(image.toString(), backingFile(device));
            Files.writeString(root.resolve("hello"), "x");
        } finally {
            fs.close();
        }
        assertGone(root, device, image);
        fs.close(); // idempotent
    }

    @Test
    void extensionCleansUpWhenTheTestThrows() throws IOException {
        Requires.that(LoopBtrfs.unavailableReason().isEmpty(), "loop btrfs unavailable: " + LoopBtrfs.unavailableReason().orElse(""));
        ThrowingCase.armed = true;
        ThrowingCase.seen.set(null);
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        try {
            LauncherFactory.create().execute(
                    LauncherDiscoveryRequestBuilder.request().selectors(selectClass(ThrowingCase.class)).build(), summary);
        } finally {
            ThrowingCase.armed = false;
        }
        assertEquals(1, summary.getSummary().getTestsFailedCount(), "the inner test failed as planned");
        assertEquals("planned failure", summary.getSummary().getFailures().get(0).getException().getMessage());
        List<Object> seen = ThrowingCase.seen.get();
        assertAllGone(seen);
    }

    @SuppressWarnings("unchecked")
    private static void assertAllGone(List<Object> seen) throws IOException {
        assertNotEquals(null, seen, "the inner test ran");
        assertGone((Path) seen.get(0), (Path) seen.get(1), (Path) seen.get(2));
    }

    /** Run only by {@link #extensionCleansUpWhenTheTestThrows}: surefire skips nested classes, and it is disarmed. */
    @ExtendWith(LoopBtrfsExtension.class)
    static class ThrowingCase {
        static volatile boolean armed;
        static final AtomicReference<List<Object>> seen = new AtomicReference<>();

        @Test
        void failsWithAMountedFileSystem(LoopBtrfs fs) throws IOException {
            Assumptions.assumeTrue(armed, "only run from LoopBtrfsTest");
            seen.set(List.of(fs.root(), fs.device(), fs.image()));
            assertTrue(mounted(fs.root()));
            throw new IllegalStateException("planned failure");
        }
    }

    private static void assertGone(Path root, Path device, Path image) throws IOException {
        assertFalse(mounted(root), root + " still mounted");
        assertNotEquals(image.toString(), backingFile(device), device + " still attached to " + image);
        assertFalse(Files.exists(image), image + " still exists");
        assertFalse(Files.exists(root), root + " still exists");
    }

    static boolean mounted(Path mnt) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .anyMatch(l -> l.split(" ")[1].equals(mnt.toString()));
    }

    /** The file behind a loop device, "" when detached (another test may have reused the device since). */
    static String backingFile(Path device) throws IOException {
        Path f = Path.of("/sys/block", device.getFileName().toString(), "loop", "backing_file");
        return Files.exists(f) ? Files.readString(f).strip() : "";
    }
}
