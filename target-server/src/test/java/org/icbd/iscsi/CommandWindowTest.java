package org.icbd.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommandWindowTest {

    @Test
    void deliversInOrderHoldsAheadDropsOutside() {
        CommandWindow<String> w = new CommandWindow<>(10, 4);
        assertEquals(13, w.maxCmdSn());
        assertEquals(CommandWindow.Verdict.DELIVER, w.offer(10, "a"));
        assertEquals(CommandWindow.Verdict.HOLD, w.offer(12, "c"));
        assertEquals(CommandWindow.Verdict.DROP, w.offer(12, "c again"));
        assertEquals(CommandWindow.Verdict.DROP, w.offer(9, "old"));
        assertEquals(CommandWindow.Verdict.DROP, w.offer(14, "beyond MaxCmdSN"));
        assertEquals(List.of(), w.drainReady());
        assertEquals(CommandWindow.Verdict.DELIVER, w.offer(11, "b"));
        assertEquals(List.of("c"), w.drainReady());
        assertEquals(13, w.expCmdSn());
        // three commands outstanding in a window of four: one more fits
        assertEquals(13, w.maxCmdSn());
        w.completed();
        assertEquals(14, w.maxCmdSn());
    }

    @Test
    void handlesSerialNumberWrap() {
        CommandWindow<String> w = new CommandWindow<>(-2, 8);
        assertEquals(CommandWindow.Verdict.DELIVER, w.offer(-2, "x"));
        assertEquals(CommandWindow.Verdict.DELIVER, w.offer(-1, "y"));
        assertEquals(CommandWindow.Verdict.DELIVER, w.offer(0, "z"));
        assertEquals(1, w.expCmdSn());
    }
}
