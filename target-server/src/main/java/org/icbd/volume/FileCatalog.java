package org.icbd.volume;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The catalog as one JSON file in the data root, replaced atomically (write, fsync, rename) under a
 * lock file, so a crash leaves either the old or the new catalog and two processes never interleave.
 */
public final class FileCatalog implements Catalog {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final VolumeLayout layout;
    /** FileChannel locks are per process; threads of this process queue here first. */
    private final ReentrantLock local = new ReentrantLock();

    public FileCatalog(VolumeLayout layout) {
        this.layout = layout;
    }

    @Override
    public CatalogState read() throws IOException {
        Path file = layout.catalogFile();
        if (!Files.exists(file)) return CatalogState.empty();
        try {
            return JSON.readValue(file.toFile(), CatalogState.class);
        } catch (IOException e) {
            throw new IOException("catalog " + file + " is unreadable (" + e.getMessage() + "); restore it from a backup"
                    + " or rebuild it from 'btrfs subvolume list'", e);
        }
    }

    @Override
    public <T> T transact(Transaction<T> change) throws IOException {
        return locked(() -> change.apply(read()).commit(this::write, layout.catalogFile().toString()));
    }

    /** The whole catalog as JSON, for a standby to mirror. */
    public byte[] export() throws IOException {
        return JSON.writeValueAsBytes(read());
    }

    /** Replaces the whole catalog with one {@link #export exported} by the cluster's leader; garbage is refused first. */
    public void replace(byte[] exported) throws IOException {
        CatalogState state = JSON.readValue(exported, CatalogState.class);
        locked(() -> {
            write(state);
            return null;
        });
    }

    private interface Locked<T> {
        T run() throws IOException;
    }

    private <T> T locked(Locked<T> action) throws IOException {
        local.lock();
        try (FileChannel lockChannel = FileChannel.open(layout.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockChannel.lock()) {
            return action.run();
        } finally {
            local.unlock();
        }
    }

    private void write(CatalogState state) throws IOException {
        Path file = layout.catalogFile();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(JSON.writeValueAsBytes(state)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
