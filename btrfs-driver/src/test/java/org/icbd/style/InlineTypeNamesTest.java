package org.icbd.style;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The project's style has no inline fully-qualified type names: every .java file of every module's
 * src/main and src/test imports its types. A qualified name stays only where the simple name already
 * means something else in that file (see {@link InlineTypeNames}); comments and javadoc are not checked.
 */
class InlineTypeNamesTest {

    @Test
    void noSourceFileWritesATypeFullyQualifiedWhereAnImportWould() throws IOException {
        Path root = repositoryRoot();
        Map<Path, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(p -> p.toString().endsWith(".java") && isSource(root.relativize(p)))
                    .forEach(p -> sources.put(p, read(p)));
        }
        assertTrue(sources.size() > 100, "found the repository's sources under " + root + ": " + sources.size());
        InlineTypeNames names = new InlineTypeNames();
        sources.values().forEach(names::learn);
        List<String> findings = new ArrayList<>();
        sources.forEach((path, source) -> names.check(source).forEach(f ->
                findings.add(root.relativize(path) + ":" + f.line() + ": " + f.fqn() + ": " + f.fix())));
        assertEquals(List.of(), findings, "inline fully-qualified type names: import the type and write its simple name:\n"
                + String.join("\n", findings));
    }

    @Test
    void findsQualifiedNamesInCodeOnlyAndKeepsThoseWhoseSimpleNameIsTaken() {
        InlineTypeNames names = new InlineTypeNames();
        names.learn("package a.b;\nclass Thing {}\n");
        String source = """
                package a.b;

                import java.util.List;
                import java.util.Set;

                /** {@link java.util.Map} in javadoc is fine. */
                class Demo {
                    // java.util.Map in a comment is fine
                    String s = "java.util.Map in a string is fine";
                    List<String> xs = new java.util.ArrayList<>();
                    Object set = java.util.Set.of();
                    java.lang.String name = a.b.Thing.class.getName();
                    Object p = org.other.Process.class;
                    Object t = org.other.Thing.class;
                    Object l = org.other.List.class;
                    class Inner {}
                    Object i = org.other.Inner.class;
                }
                """;
        names.learn(source);
        List<String> found = names.check(source).stream().map(f -> f.line() + " " + f.fqn()).toList();
        assertEquals(List.of("10 java.util.ArrayList", "11 java.util.Set", "12 java.lang.String", "12 a.b.Thing"), found);
    }

    static boolean isSource(Path relative) {
        String p = "/" + relative.toString().replace('\\', '/');
        return (p.contains("/src/main/") || p.contains("/src/test/")) && !p.contains("/target/") && !p.contains("/.")
                && !p.endsWith("/module-info.java") && !p.endsWith("/package-info.java");
    }

    static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("btrfs-driver"))) return p;
        }
        throw new IllegalStateException("no repository root (a directory with mvnw and btrfs-driver/) above "
                + Path.of("").toAbsolutePath());
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + p, e);
        }
    }
}
