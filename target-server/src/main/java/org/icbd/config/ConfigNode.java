package org.icbd.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A position in the parsed YAML tree that knows its key path, so every problem found
 * while reading it can say exactly where it is.
 */
final class ConfigNode {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

    private final JsonNode node;
    private final String path;

    ConfigNode(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    String path() {
        return path;
    }

    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    ConfigException error(String problem) {
        return new ConfigException(path, problem);
    }

    ConfigException error(String key, String problem) {
        return new ConfigException(pathOf(key), problem);
    }

    /** Requires a mapping whose keys are all in {@code known}; a typo is an error, never ignored. */
    ConfigNode requireMapping(Set<String> known) throws ConfigException {
        if (!node.isObject()) throw error("expected a mapping (key: value lines); got " + describe(node));
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                String hint = DidYouMean.closest(key, known).map(k -> "; did you mean '" + k + "'?")
                        .orElse("; known keys: " + String.join(", ", known.stream().sorted().toList()));
                throw error(key, "unknown key" + hint);
            }
        }
        return this;
    }

    boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    ConfigNode child(String key) {
        return new ConfigNode(node.get(key), pathOf(key));
    }

    JsonNode raw() {
        return node;
    }

    String text(String key) throws ConfigException {
        if (!has(key)) throw error(key, "is required");
        return optText(key).orElseThrow();
    }

    Optional<String> optText(String key) throws ConfigException {
        if (!has(key)) return Optional.empty();
        JsonNode v = node.get(key);
        if (!v.isValueNode()) throw error(key, "expected a single value; got " + describe(v));
        return Optional.of(v.asText());
    }

    long integer(String key, long dflt, long min, long max) throws ConfigException {
        if (!has(key)) return dflt;
        JsonNode v = node.get(key);
        long n;
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            n = v.asLong();
        } else if (v.isTextual() && v.asText().strip().matches("-?\\d{1,18}")) {
            n = Long.parseLong(v.asText().strip());
        } else {
            throw error(key, "expected a whole number from " + min + " to " + max + "; got " + describe(v));
        }
        if (n < min || n > max) throw error(key, "must be " + min + " to " + max + "; got " + n);
        return n;
    }

    boolean bool(String key, boolean dflt) throws ConfigException {
        if (!has(key)) return dflt;
        JsonNode v = node.get(key);
        if (v.isBoolean()) return v.asBoolean();
        if (v.isTextual()) {
            switch (v.asText().strip().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> { return true; }
                case "false", "no", "off" -> { return false; }
                default -> { }
            }
        }
        throw error(key, "expected true or false; got " + describe(v));
    }

    /** A duration written as {@code 15s}, {@code 500ms}, {@code 2m}, {@code 1h}, or a number of seconds. */
    Duration duration(String key, Duration dflt, Duration min) throws ConfigException {
        if (!has(key)) return dflt;
        JsonNode v = node.get(key);
        Matcher m = DURATION.matcher(v.isValueNode() ? v.asText().strip() : "");
        if (!m.matches()) throw error(key, "expected a duration such as 15s, 500ms or 2m; got " + describe(v));
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.compareTo(min) < 0) throw error(key, "must be at least " + min.toMillis() + "ms; got " + v.asText());
        return d;
    }

    /** The elements of a list ({@code []} when the key is absent). A single value counts as a list of one. */
    List<ConfigNode> list(String key) throws ConfigException {
        if (!has(key)) return List.of();
        JsonNode v = node.get(key);
        String p = pathOf(key);
        List<ConfigNode> out = new ArrayList<>();
        if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) out.add(new ConfigNode(v.get(i), p + "[" + i + "]"));
        } else if (v.isValueNode()) {
            out.add(new ConfigNode(v, p));
        } else {
            throw error(key, "expected a list; got " + describe(v));
        }
        return out;
    }

    boolean isValue() {
        return node != null && node.isValueNode() && !node.isNull();
    }

    String asText() throws ConfigException {
        if (!isValue()) throw error("expected a single value; got " + describe(node));
        return node.asText();
    }

    static String describe(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) return "nothing";
        if (v.isObject()) return "a mapping";
        if (v.isArray()) return "a list";
        if (v.isTextual()) return "'" + v.asText() + "'";
        return v.asText();
    }
}
