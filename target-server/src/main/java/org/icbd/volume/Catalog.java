package org.icbd.volume;

import java.io.IOException;

/**
 * The one home of the volume catalog. Transactions are serialized (across processes for the file
 * implementation), so the CLI and a running node never interleave two changes.
 *
 * <p>A transaction that creates a volume makes it before the catalog names it and gives an
 * {@link Outcome#undo} for when the catalog cannot be written; one that removes a volume has the
 * catalog forget it first and removes it {@link Outcome#afterCommit}. Either way a crash or a full
 * disk leaves at worst an orphan directory, never a catalog entry without its volume.
 */
public interface Catalog {

    CatalogState read() throws IOException;

    /** Runs {@code change} on the current state and stores what it returns; nothing is stored if it throws. */
    <T> T transact(Transaction<T> change) throws IOException;

    @FunctionalInterface
    interface Transaction<T> {
        Outcome<T> apply(CatalogState current) throws IOException;
    }

    @FunctionalInterface
    interface Action {
        void run() throws IOException;
    }

    /**
     * The state to store (or {@code null} to store nothing), the value to hand back, what reverts the
     * transaction's file-system change when the store fails, and what to do once it succeeded.
     */
    record Outcome<T>(CatalogState next, T value, Action undo, Action afterCommit) {

        private static final Action NOTHING = () -> { };

        public static <T> Outcome<T> of(CatalogState next, T value) {
            return new Outcome<>(next, value, NOTHING, NOTHING);
        }

        public static <T> Outcome<T> undoable(CatalogState next, T value, Action undo) {
            return new Outcome<>(next, value, undo, NOTHING);
        }

        public static <T> Outcome<T> then(CatalogState next, T value, Action afterCommit) {
            return new Outcome<>(next, value, NOTHING, afterCommit);
        }
    }
}
