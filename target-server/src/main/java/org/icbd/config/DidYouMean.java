package org.icbd.config;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** Suggests the known key closest to a mistyped one (edit distance), when one is close enough. */
final class DidYouMean {

    private DidYouMean() {
    }

    static Optional<String> closest(String typed, Collection<String> known) {
        int limit = Math.max(1, Math.min(3, typed.length() / 3));
        return known.stream()
                .map(k -> new Object() { final String key = k; final int d = distance(typed.toLowerCase(), k); })
                .filter(c -> c.d <= limit)
                .min(Comparator.comparingInt(c -> c.d))
                .map(c -> c.key);
    }

    /** Levenshtein distance, with '_' and '-' treated as equal (read_only for read-only is common). */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                char x = a.charAt(i - 1) == '_' ? '-' : a.charAt(i - 1);
                char y = b.charAt(j - 1) == '_' ? '-' : b.charAt(j - 1);
                int cost = x == y ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
