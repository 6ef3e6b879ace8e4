package org.icbd.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExternalCommandTest {

    @Test
    void keepsBothOutputsAndTheExitStatus() throws IOException {
        ExternalCommand.Result r = ExternalCommand.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(30));
        assertEquals(3, r.exit());
        assertFalse(r.ok());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        assertEquals("out\nerr\n", r.output());
    }

    /** The limit holds while the child keeps its output open (reading the output to its end first would wait 60 s). */
    @Test
    void aProgramPastItsLimitIsKilled() {
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class,
                () -> ExternalCommand.run(List.of("sh", "-c", "echo started; exec sleep 60"), Duration.ofMillis(300)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.getMessage().contains("timed out after 300 ms"), e.getMessage());
        assertTrue(ms < 20_000, "gave up after " + ms + " ms");
    }

    @Test
    void aChattyProgramDoesNotBlockOnAFullPipe() throws IOException {
        ExternalCommand.Result r = ExternalCommand.run(List.of("sh", "-c", "head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2"),
                Duration.ofSeconds(30));
        assertTrue(r.ok());
        assertEquals(1_000_000, r.stdout().length());
        assertEquals(1_000_000, r.stderr().length());
    }
}
