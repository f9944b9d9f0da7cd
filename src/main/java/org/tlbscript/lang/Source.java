package org.tlbscript.lang;

import java.util.List;

/** Scenario text with its name (a path, or "<repl>"), kept so diagnostics can quote lines. */
public record Source(String name, String text) {
  /** Lines as the lexer counts them: split at \n only, a trailing \r dropped. */
  public List<String> lines() {
    return java.util.Arrays.stream(text.split("\n", -1))
        .map(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l).toList();
  }

  public String line(int n) {
    List<String> lines = lines();
    return n >= 1 && n <= lines.size() ? lines.get(n - 1) : "";
  }
}
