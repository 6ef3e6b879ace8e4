package org.icbd.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.btrfs.Btrfs;
import org.icbd.config.ClusterSettings;
import org.slf4j.LoggerFactory;

/**
 * A node's own older copies of clones, kept aside read-only in {@code <data root>/diverged/} when it
 * became leader and promoted a checkpoint instead ({@code <clone>.<epoch>.<when kept, UTC>}): the
 * writes it took after its last replicated state, never acknowledged by the cluster's current state.
 * Bounded by {@link ClusterSettings.Diverged}; listed and deleted by {@code icbd cluster diverged}.
 */
public final class DivergedCopies {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern NAME = Pattern.compile("(.+)\\.(\\d+)(?:\\.(\\d{8}T\\d{6}Z))?");

    /** One copy; {@code kept} is empty for one whose name does not say when (kept by an older release). */
    public record Copy(String name, String volume, long epoch, Optional<Instant> kept, Path path) {
    }

    private final Btrfs btrfs = new Btrfs();
    private final Path dir;

    public DivergedCopies(Path dataRoot) {
        this.dir = dataRoot.resolve("diverged");
    }

    /** Keeps {@code subvolume}, this node's copy of {@code clone} before epoch {@code epoch}, read-only; returns where. */
    Path keep(Path subvolume, String clone, long epoch, Instant now) throws IOException {
        Path aside = Files.createDirectories(dir).resolve(clone + "." + epoch + "." + STAMP.format(now));
        btrfs.snapshot(subvolume, aside, true);
        return aside;
    }

    /** Every copy, oldest first. */
    public List<Copy> list() throws IOException {
        List<Copy> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(p)) continue;
                Optional<Instant> kept = m.group(3) == null ? Optional.empty() : Optional.of(Instant.from(STAMP.parse(m.group(3))));
                out.add(new Copy(p.getFileName().toString(), m.group(1), Long.parseLong(m.group(2)), kept, p));
            }
        }
        out.sort(Comparator.comparingLong(Copy::epoch).thenComparing(Copy::name));
        return out;
    }

    /** Deletes the copy named {@code name} (as {@link #list} shows it). */
    public Copy delete(String name) throws IOException {
        for (Copy c : list()) {
            if (c.name().equals(name)) {
                btrfs.deleteSubvolume(c.path());
                return c;
            }
        }
        throw new IOException("no diverged copy named '" + name + "' in " + dir + "; 'icbd cluster diverged list' shows them");
    }

    /**
     * The copies {@code policy} no longer keeps at {@code now}: beyond the newest {@code keep} of a clone,
     * or older than {@code maxAge} (one that does not say when it was kept counts by number only).
     */
    static List<Copy> expired(List<Copy> copies, ClusterSettings.Diverged policy, Instant now) {
        Map<String, List<Copy>> byClone = new HashMap<>();
        for (Copy c : copies) byClone.computeIfAbsent(c.volume(), k -> new ArrayList<>()).add(c);
        List<Copy> out = new ArrayList<>();
        Instant oldest = now.minus(policy.maxAge());
        for (List<Copy> mine : byClone.values()) {
            mine.sort(Comparator.comparingLong(Copy::epoch).reversed());
            for (int i = 0; i < mine.size(); i++) {
                Copy c = mine.get(i);
                if (i >= policy.keep() || c.kept().map(k -> k.isBefore(oldest)).orElse(false)) out.add(c);
            }
        }
        out.sort(Comparator.comparingLong(Copy::epoch));
        return out;
    }

    /** Deletes what {@code policy} no longer keeps; returns what was deleted. A failure costs space, never data. */
    List<Copy> prune(ClusterSettings.Diverged policy, Instant now) {
        List<Copy> deleted = new ArrayList<>();
        try {
            for (Copy c : expired(list(), policy, now)) {
                btrfs.deleteSubvolume(c.path());
                deleted.add(c);
            }
        } catch (IOException | RuntimeException e) {
            LoggerFactory.getLogger(DivergedCopies.class).warn("could not delete expired diverged copies in {}: {}",
                    dir, e.getMessage());
        }
        return deleted;
    }
}
