package org.tlbscript.lang;

import java.util.List;

/** Scenario text with its name (a path, or "<repl>"), kept so diagnostics can quote lines. */
public record Source(String name, String text) {
  public List<String> lines() {
    return text.lines().toList();
  }

  public String line(int n) {
    List<String> lines = lines();
    return n >= 1 && n <= lines.size() ? lines.get(n - 1) : "";
  }
}
