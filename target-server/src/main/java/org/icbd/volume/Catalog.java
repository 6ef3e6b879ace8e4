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

    /** Where an implementation keeps the next state. */
    @FunctionalInterface
    interface Store {
        void write(CatalogState next) throws Exception;
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

        /**
         * Stores {@link #next} with {@code store} (nothing when it is null), undoing the transaction's
         * file-system change if that fails, then runs {@link #afterCommit} and hands back {@link #value}.
         *
         * @param where the catalog's location, for the error message
         */
        T commit(Store store, String where) throws IOException {
            if (next != null) {
                try {
                    store.write(next);
                } catch (Exception e) {
                    try {
                        undo.run();
                    } catch (IOException | RuntimeException u) {
                        e.addSuppressed(u);
                    }
                    throw new VolumeException(VolumeException.Kind.FAILED, "cannot write the catalog " + where + " ("
                            + e.getMessage() + "); the change was undone", e);
                }
            }
            afterCommit.run();
            return value;
        }
    }
}
