package org.tlbscript.lang;

import java.util.Collection;
import java.util.Optional;

/** "Did you mean": the closest candidate within a small edit distance. */
public final class Suggest {
  private Suggest() {}

  public static Optional<String> closest(String word, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    int limit = Math.max(1, Math.min(3, word.length() / 3 + 1));
    for (String c : candidates) {
      // the distance is at least the difference in length: a huge word is compared with nothing
      if (Math.abs(word.length() - c.length()) > limit) {
        continue;
      }
      int d = distance(word.toLowerCase(), c.toLowerCase());
      if (d <= limit && d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    return Optional.ofNullable(best);
  }

  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
