package org.icbd.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever bytes arrive, the command layer answers with a well-formed status and never fails
 * internally: bad input is sense data, not an exception.
 */
class CommandFuzzTest {

    private static Path dir;
    private static ScsiFixture f;
    private static final Set<Integer> STATUSES = Set.of(ScsiResponse.GOOD, ScsiResponse.CHECK_CONDITION,
            ScsiResponse.RESERVATION_CONFLICT);

    @BeforeContainer
    static void open() throws IOException {
        dir = Files.createTempDirectory("scsi-fuzz");
        f = new ScsiFixture(dir);
    }

    @AfterContainer
    static void close() throws IOException {
        f.close();
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Provide
    Arbitrary<byte[]> cdbs() {
        // mostly implemented opcodes (deep paths), sometimes anything
        int[] known = f.target.commands().all().stream().mapToInt(CommandDescriptor::opcode).distinct().toArray();
        Arbitrary<Integer> opcode = Arbitraries.oneOf(Arbitraries.of(box(known)), Arbitraries.integers().between(0, 255));
        Arbitrary<byte[]> rest = Arbitraries.bytes().array(byte[].class).ofSize(15);
        return Combinators.combine(opcode, rest).as((op, r) -> {
            byte[] c = new byte[16];
            c[0] = (byte) (int) op;
            System.arraycopy(r, 0, c, 1, 15);
            // keep lengths small often enough that data paths run instead of failing the range check
            if ((r[0] & 1) == 0) {
                for (int i = 2; i < 10; i++) c[i] = 0;
            }
            return c;
        });
    }

    private static Integer[] box(int[] a) {
        Integer[] b = new Integer[a.length];
        for (int i = 0; i < a.length; i++) b[i] = a[i];
        return b;
    }

    @Property(tries = 3000)
    void everyCdbGetsAWellFormedAnswer(@ForAll("cdbs") byte[] cdb,
                                       @ForAll("lengths") int dataOutLength,
                                       @ForAll("luns") long lun) {
        byte[] out = dataOutLength < 0 ? null : new byte[dataOutLength];
        ScsiResponse r = f.exec(ScsiFixture.A, lun, cdb, out, Math.max(0, dataOutLength));
        assertNotNull(r);
        assertTrue(STATUSES.contains(r.status()), () -> "status " + r.status());
        if (r.status() == ScsiResponse.CHECK_CONDITION) {
            assertNotNull(r.sense());
            assertEquals(SenseData.LENGTH, r.sense().length);
            assertNotEquals(Sense.INTERNAL_TARGET_FAILURE, SenseData.decode(r.sense()), () -> "CDB " + HexFormat.of().formatHex(cdb));
        }
        if (r.dataIn() != null) assertEquals(0, r.dataIn().position());
    }

    @Provide
    Arbitrary<Integer> lengths() {
        return Arbitraries.oneOf(Arbitraries.just(-1), Arbitraries.integers().between(0, 4096));
    }

    @Provide
    Arbitrary<Long> luns() {
        return Arbitraries.of(0L, 0L, 0L, 3L, 9L);
    }
}
