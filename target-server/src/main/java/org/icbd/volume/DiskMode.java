package org.icbd.volume;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** What happens to a workstation's writes when it boots again. */
public enum DiskMode {
    /** The clone keeps its writes; it moves to a new version only when reset ('icbd workstation reset'). */
    PERSISTENT("persistent"),
    /** The clone is reset to the workstation's version at every boot request (a new version at the next boot). */
    RESET_ON_BOOT("reset-on-boot");

    private final String word;

    DiskMode(String word) {
        this.word = word;
    }

    @JsonValue
    public String word() {
        return word;
    }

    @JsonCreator
    public static DiskMode parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.word.equals(t)).findFirst()
                .orElseThrow(() -> new VolumeException(VolumeException.Kind.INVALID, "disk mode must be 'persistent' or 'reset-on-boot'; got '" + text + "'"));
    }

    @Override
    public String toString() {
        return word;
    }
}
