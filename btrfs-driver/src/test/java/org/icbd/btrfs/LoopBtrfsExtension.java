package org.icbd.btrfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

import org.icbd.testsupport.Requires;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test a fresh loop-mounted btrfs and takes it away afterwards, also when the test throws.
 * Two ways to use it:
 * <pre>
 *   &#64;RegisterExtension final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(1L &lt;&lt; 30);
 *   &#64;Test void t() { Path root = btrfs.fs().root(); ... }
 *
 *   &#64;ExtendWith(LoopBtrfsExtension.class)
 *   &#64;Test void t(LoopBtrfs a, LoopBtrfs b) { ... }   // every parameter is its own file system
 * </pre>
 * Where the machine cannot (not root, no btrfs-progs, no loop devices) the test is skipped with the reason
 * ({@link Requires}: in CI it fails).
 */
public final class LoopBtrfsExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
    public static final long DEFAULT_SIZE = 1L << 30;
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LoopBtrfsExtension.class);

    private final long sizeBytes;
    private final boolean eager;
    private LoopBtrfs current;

    /** For {@code @ExtendWith}: file systems only for {@link LoopBtrfs} parameters, 1 GiB sparse each. */
    public LoopBtrfsExtension() {
        this(DEFAULT_SIZE, false);
    }

    /** For {@code @RegisterExtension}: one file system of {@code sizeBytes} per test, via {@link #fs()}. */
    public LoopBtrfsExtension(long sizeBytes) {
        this(sizeBytes, true);
    }

    private LoopBtrfsExtension(long sizeBytes, boolean eager) {
        this.sizeBytes = sizeBytes;
        this.eager = eager;
    }

    /** The current test's file system (registered-field style). */
    public LoopBtrfs fs() {
        if (current == null) throw new IllegalStateException("no loop btrfs: use from within a test");
        return current;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!eager) return;
        current = createFor(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        current = null; // the store closes it
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LoopBtrfs.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return createFor(context);
    }

    private LoopBtrfs createFor(ExtensionContext context) {
        Optional<String> reason = LoopBtrfs.unavailableReason();
        Requires.that(reason.isEmpty(), "loop btrfs unavailable: " + reason.orElse(""));
        LoopBtrfs fs;
        try {
            fs = LoopBtrfs.create(sizeBytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // the store closes its resources when the test's context ends, whatever the test did
        context.getStore(NS).put(new Object(), new Closer(fs));
        return fs;
    }

    private record Closer(LoopBtrfs fs) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws IOException {
            fs.close();
        }
    }
}
