package org.tlbscript.report;

import java.io.PrintWriter;
import org.tlbscript.engine.Explorer;

/**
 * The progress of a long exploration on one line of a terminal, rewritten in place (\r):
 * states, states per second, depth, memory, time. Nothing where the output is not a terminal
 * (a pipe, a CI log), so that logs stay clean.
 */
public final class ProgressLine implements Explorer.Progress {
  private final PrintWriter out;
  private int width;

  public ProgressLine(PrintWriter out) {
    this.out = out;
  }

  /** A progress line on {@code out} when this process runs on a terminal, else none. */
  public static Explorer.Progress onTerminal(PrintWriter out) {
    return System.console() != null ? new ProgressLine(out) : Explorer.Progress.NONE;
  }

  @Override
  public void update(long states, long perSecond, int depth, long memoryBytes, long millis) {
    String line = text(states, perSecond, depth, memoryBytes, millis);
    out.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
    out.flush();
    width = line.length();
  }

  @Override
  public void done() {
    if (width > 0) {
      out.print("\r" + " ".repeat(width) + "\r");
      out.flush();
      width = 0;
    }
  }

  static String text(long states, long perSecond, int depth, long memoryBytes, long millis) {
    return String.format("  exploring: %s states, %s states/s, depth %d, %d MB, %d s (Ctrl-C stops)",
        count(states), count(perSecond), depth, memoryBytes >> 20, millis / 1000);
  }

  /** 1234567 as "1.23 M", 12345 as "12.3 K". */
  static String count(long n) {
    if (n >= 1_000_000) {
      return String.format("%.2f M", n / 1e6);
    }
    return n >= 10_000 ? String.format("%.1f K", n / 1e3) : Long.toString(n);
  }
}
