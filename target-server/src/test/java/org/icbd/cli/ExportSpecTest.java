package org.icbd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ExportSpecTest {

    @Test
    void plainFileIsWritable() {
        assertEquals(new ExportSpec(Path.of("disk.img"), false), ExportSpec.parse("disk.img"));
    }

    @Test
    void roSuffixMakesItReadOnly() {
        assertEquals(new ExportSpec(Path.of("/srv/base.img"), true), ExportSpec.parse("/srv/base.img,ro"));
    }

    @Test
    void rwSuffixIsAccepted() {
        assertEquals(new ExportSpec(Path.of("a.img"), false), ExportSpec.parse("a.img,rw"));
    }

    @Test
    void otherCommasBelongToTheFileName() {
        assertEquals(new ExportSpec(Path.of("a,b.img"), false), ExportSpec.parse("a,b.img"));
        assertEquals(new ExportSpec(Path.of("a,b.img"), true), ExportSpec.parse("a,b.img,ro"));
    }

    @Test
    void suffixWithoutFileIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> ExportSpec.parse(",ro"));
        assertThrows(IllegalArgumentException.class, () -> ExportSpec.parse(""));
    }
}
