package org.icbd.style;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds inline fully-qualified type names ({@code java.util.List<String> xs}) in Java source code, outside
 * comments, string and char literals, text blocks and package/import statements, and says which of them
 * must stay qualified because the simple name already means something else in that file: another import
 * or a static import of that name, a type of the file's own package, a java.lang type, the simple name used
 * on its own elsewhere in the file (a nested type, a type variable, an inherited member type), or a type
 * nested in a repository type the file extends. Everything else is a finding.
 */
final class InlineTypeNames {

    /** One inline FQN that should be an import and a simple name. */
    record Finding(int line, String fqn, String fix) {
    }

    static final Set<String> JAVA_LANG = Set.of(("AbstractMethodError Appendable ArithmeticException "
            + "ArrayIndexOutOfBoundsException ArrayStoreException AssertionError AutoCloseable Boolean "
            + "BootstrapMethodError Byte CharSequence Character Class ClassCastException ClassCircularityError "
            + "ClassFormatError ClassLoader ClassNotFoundException ClassValue CloneNotSupportedException Cloneable "
            + "Comparable Compiler Deprecated Double Enum EnumConstantNotPresentException Error Exception "
            + "ExceptionInInitializerError Float FunctionalInterface IO IllegalAccessError IllegalAccessException "
            + "IllegalArgumentException IllegalCallerException IllegalMonitorStateException IllegalStateException "
            + "IllegalThreadStateException IncompatibleClassChangeError IndexOutOfBoundsException "
            + "InheritableThreadLocal InstantiationError InstantiationException Integer InternalError "
            + "InterruptedException Iterable LayerInstantiationException LinkageError Long MatchException Math Module "
            + "ModuleLayer NegativeArraySizeException NoClassDefFoundError NoSuchFieldError NoSuchFieldException "
            + "NoSuchMethodError NoSuchMethodException NullPointerException Number NumberFormatException Object "
            + "OutOfMemoryError Override Package Process ProcessBuilder ProcessHandle Readable Record "
            + "ReflectiveOperationException Runnable Runtime RuntimeException RuntimePermission SafeVarargs "
            + "ScopedValue SecurityException SecurityManager Short StableValue StackOverflowError StackTraceElement "
            + "StackWalker StrictMath String StringBuffer StringBuilder StringIndexOutOfBoundsException "
            + "StringTemplate SuppressWarnings System Thread ThreadDeath ThreadGroup ThreadLocal Throwable "
            + "TypeNotPresentException UnknownError UnsatisfiedLinkError UnsupportedClassVersionError "
            + "UnsupportedOperationException VerifyError VirtualMachineError Void WrongThreadException").split(" "));

    private static final Set<String> JDK_ROOTS = Set.of("java", "javax", "jdk", "org", "com", "io", "net", "sun");
    private static final Set<String> KEYWORDS = Set.of("this", "super", "new", "return", "case", "throw", "else",
            "instanceof", "import", "package");
    private static final Pattern FQN = Pattern.compile("(?<![\\w$.])((?:[a-z_][a-z0-9_]*\\.)+)([A-Z][\\w$]*)");
    private static final Pattern TYPE_DECL = Pattern.compile("\\b(?:class|interface|enum|record)\\s+([A-Z][\\w$]*)");
    private static final Pattern IMPORT = Pattern.compile("(?m)^[ \\t]*import[ \\t]+(static[ \\t]+)?([\\w.]+)(\\.\\*)?[ \\t]*;");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^[ \\t]*package[ \\t]+([\\w.]+)[ \\t]*;");
    private static final Pattern STATEMENT = Pattern.compile("(?m)^[ \\t]*(?:import|package)\\b[^;]*;");
    private static final Pattern SIMPLE = Pattern.compile("(?<![\\w$.])([A-Z][\\w$]*)\\b");
    private static final Pattern SUPERTYPES = Pattern.compile("\\b(?:extends|implements)\\b([^{;]*)");

    private final Map<String, Set<String>> packageTypes = new HashMap<>();
    private final Map<String, Set<String>> nestedIn = new HashMap<>();
    private final Set<String> knownPackages = new HashSet<>();

    /** Learns what a source file of the repository declares and imports; call for every file before {@link #check}. */
    void learn(String source) {
        String code = mask(source);
        String pkg = packageOf(code);
        knownPackages.add(pkg);
        List<String> stack = new ArrayList<>();
        List<Integer> bodies = new ArrayList<>();
        int depth = 0;
        int pos = 0;
        Matcher m = TYPE_DECL.matcher(code);
        while (m.find()) {
            depth += count(code, '{', pos, m.start()) - count(code, '}', pos, m.start());
            pos = m.start();
            while (!bodies.isEmpty() && bodies.getLast() > depth) {
                bodies.removeLast();
                stack.removeLast();
            }
            if (depth == 0) packageTypes.computeIfAbsent(pkg, k -> new HashSet<>()).add(m.group(1));
            for (String outer : stack) nestedIn.computeIfAbsent(outer, k -> new HashSet<>()).add(m.group(1));
            stack.add(m.group(1));
            bodies.add(depth + 1);
        }
        Matcher i = IMPORT.matcher(code);
        while (i.find()) {
            String p = packagePart(i.group(2));
            if (!p.isEmpty()) knownPackages.add(p);
        }
    }

    /** The inline FQNs of one file that could be an import and a simple name. */
    List<Finding> check(String source) {
        String code = mask(source);
        String own = packageOf(code);
        Map<String, String> imports = new HashMap<>();
        Set<String> staticNames = new HashSet<>();
        Matcher i = IMPORT.matcher(code);
        while (i.find()) {
            if (i.group(3) != null) continue;
            String name = i.group(2).substring(i.group(2).lastIndexOf('.') + 1);
            if (i.group(1) != null) staticNames.add(name);
            else imports.put(name, i.group(2));
        }
        List<int[]> statements = spans(STATEMENT.matcher(code));
        List<Matcher> candidates = new ArrayList<>();
        Matcher f = FQN.matcher(code);
        while (f.find()) {
            String pkg = f.group(1).substring(0, f.group(1).length() - 1);
            String first = pkg.split("\\.")[0];
            if (inside(statements, f.start()) || KEYWORDS.contains(first) || !isPackage(pkg)) continue;
            if (Pattern.compile("[\\w>\\]]\\s+" + Pattern.quote(first) + "\\s*[=;,):]").matcher(code).find()) continue;
            candidates.add(FQN.matcher(code).region(f.start(), f.end()));
        }
        List<int[]> fqnSpans = new ArrayList<>();
        for (Matcher c : candidates) fqnSpans.add(new int[] {c.regionStart(), c.regionEnd()});
        Set<String> usedSimple = new HashSet<>();
        Matcher s = SIMPLE.matcher(code);
        while (s.find()) {
            if (!inside(statements, s.start()) && !inside(fqnSpans, s.start())) usedSimple.add(s.group(1));
        }
        Set<String> inherited = new HashSet<>();
        Matcher sup = SUPERTYPES.matcher(code);
        while (sup.find()) {
            for (String t : sup.group(1).replaceAll("<[^<>]*>", "").replaceAll("<[^<>]*>", "").split("[^\\w.]+")) {
                inherited.addAll(nestedIn.getOrDefault(t.substring(t.lastIndexOf('.') + 1), Set.of()));
            }
        }
        Set<String> ownTypes = packageTypes.getOrDefault(own, Set.of());
        Set<String> nested = new HashSet<>();
        Matcher d = TYPE_DECL.matcher(code);
        for (int depth = 0, pos = 0; d.find(); pos = d.start()) {
            depth += count(code, '{', pos, d.start()) - count(code, '}', pos, d.start());
            if (depth > 0) nested.add(d.group(1));
        }
        List<Finding> findings = new ArrayList<>();
        for (Matcher c : candidates) {
            c.lookingAt();
            String pkg = c.group(1).substring(0, c.group(1).length() - 1);
            String name = c.group(2);
            String fqn = pkg + "." + name;
            int line = count(code, '\n', 0, c.regionStart()) + 1;
            if (fqn.equals(imports.get(name))) {
                findings.add(new Finding(line, fqn, "already imported: write " + name));
            } else if (imports.containsKey(name) || staticNames.contains(name) || inherited.contains(name)) {
                continue;
            } else if (pkg.equals(own) || pkg.equals("java.lang")) {
                boolean shadowed = nested.contains(name) || pkg.equals("java.lang") && ownTypes.contains(name);
                if (!shadowed) findings.add(new Finding(line, fqn, "write " + name + " (no import needed)"));
            } else if (!ownTypes.contains(name) && !JAVA_LANG.contains(name) && !usedSimple.contains(name)) {
                findings.add(new Finding(line, fqn, "import " + fqn + " and write " + name));
            }
        }
        return findings;
    }

    private boolean isPackage(String pkg) {
        if (knownPackages.contains(pkg)) return true;
        String[] segs = pkg.split("\\.");
        return segs.length >= 2 && JDK_ROOTS.contains(segs[0]);
    }

    /** The source with comments, string and char literals and text blocks blanked out; newlines kept. */
    static String mask(String src) {
        char[] out = src.toCharArray();
        int n = src.length();
        int i = 0;
        while (i < n) {
            int j;
            char c = src.charAt(i);
            if (src.startsWith("//", i)) {
                j = src.indexOf('\n', i);
                j = j < 0 ? n : j;
            } else if (src.startsWith("/*", i)) {
                j = src.indexOf("*/", i + 2);
                j = j < 0 ? n : j + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                j = i + 3;
                while (j < n && !src.startsWith("\"\"\"", j)) j += src.charAt(j) == '\\' ? 2 : 1;
                j = Math.min(n, j + 3);
            } else if (c == '"' || c == '\'') {
                j = i + 1;
                while (j < n && src.charAt(j) != c && src.charAt(j) != '\n') j += src.charAt(j) == '\\' ? 2 : 1;
                j = Math.min(n, j + 1);
            } else {
                i++;
                continue;
            }
            for (int k = i; k < j; k++) if (out[k] != '\n') out[k] = ' ';
            i = j;
        }
        return new String(out);
    }

    private static String packageOf(String code) {
        Matcher m = PACKAGE.matcher(code);
        return m.find() ? m.group(1) : "";
    }

    private static String packagePart(String dotted) {
        List<String> segs = new ArrayList<>();
        for (String s : dotted.split("\\.")) {
            if (Character.isUpperCase(s.charAt(0))) break;
            segs.add(s);
        }
        return String.join(".", segs);
    }

    private static List<int[]> spans(Matcher m) {
        List<int[]> out = new ArrayList<>();
        while (m.find()) out.add(new int[] {m.start(), m.end()});
        return out;
    }

    private static boolean inside(List<int[]> spans, int at) {
        for (int[] s : spans) if (s[0] <= at && at < s[1]) return true;
        return false;
    }

    private static int count(String s, char c, int from, int to) {
        int n = 0;
        for (int k = from; k < to; k++) if (s.charAt(k) == c) n++;
        return n;
    }
}
