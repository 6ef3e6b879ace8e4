package org.icbd.btrfs;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.icbd.exec.ExternalCommand;

/**
 * A running {@code btrfs send}. Read {@link #stream()} to its end, then call {@link #awaitSuccess()}: a stream
 * is only good if the sender also exited cleanly. {@link #close()} kills a sender that is still running.
 */
public final class SendStream implements Closeable {
    private final Process process;
    private final Path snapshot;
    private final CompletableFuture<String> stderr;

    SendStream(Process process, Path snapshot) {
        this.process = process;
        this.snapshot = snapshot;
        this.stderr = ExternalCommand.drain(process.getErrorStream());
    }

    /** The send stream (the process's stdout). */
    public InputStream stream() {
        return process.getInputStream();
    }

    /** Waits for {@code btrfs send} to exit; throws with its stderr unless it exited 0. */
    public void awaitSuccess() throws BtrfsException {
        int exit;
        try {
            exit = process.waitFor();
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            throw BtrfsException.other("send", snapshot, "interrupted", e);
        }
        if (exit != 0) throw BtrfsException.progs("send", snapshot, exit, stderr.join());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            process.getInputStream().close();
        } catch (IOException ignored) {
            // nothing left to tell anyone
        }
    }
}
