package org.tlbscript.lang;

/**
 * A problem with a position, rendered GNU style: {@code file:line:col: error: message}, the
 * source line, a caret under the offending text, and an optional hint. Errors stay values
 * until a front end prints them.
 */
public record Diagnostic(Pos pos, String message, String hint) {
  public Diagnostic(Pos pos, String message) {
    this(pos, message, null);
  }

  /** A problem with file {@code name} as a whole (it cannot be read): {@code name: error: message}. */
  public static Diagnostic ofFile(String name, String message, String hint) {
    return new Diagnostic(Pos.whole(new Source(name, "")), message, hint);
  }

  /** The first line only: {@code file:line:col: error: message}. */
  public String headline() {
    return visible(pos.toString()) + ": error: " + shortened(visible(message));
  }

  /** How much of a long line is quoted: a window around the caret. */
  static final int WIDTH = 100;

  public String render() {
    StringBuilder sb = new StringBuilder(headline()).append('\n');
    String line = visible(pos.source().line(pos.line()));
    if (!line.isEmpty()) {
      int at = Pos.offset(line, pos.col());
      // a very long line (a generated file, a pasted blob) is quoted around the caret
      int from = line.length() <= WIDTH ? 0 : Math.max(0, Math.min(at - WIDTH / 3, line.length() - WIDTH));
      int to = Math.min(line.length(), from + WIDTH);
      String before = from > 0 ? "…" : "";
      sb.append("  ").append(before).append(line, from, to).append(to < line.length() ? "…" : "").append('\n');
      sb.append("  ").append(before.isEmpty() ? "" : " ");
      for (int i = from; i < at; i++) {
        if (!Character.isLowSurrogate(line.charAt(i))) {
          sb.append(line.charAt(i) == '\t' ? '\t' : ' ');
        }
      }
      sb.append("^").append("~".repeat(Math.max(0, Math.min(pos.length(), to - at) - 1))).append('\n');
    }
    if (hint != null) {
      sb.append("  hint: ").append(shortened(visible(hint))).append('\n');
    }
    return sb.toString();
  }

  /**
   * {@code s} with what it echoes of the input cut short: a `quoted` span or a run without a
   * space or quote (a huge token) of more than 60 characters keeps its first 24 and its length.
   */
  static String shortened(String s) {
    String spans = LONG_SPAN.matcher(s).replaceAll(m -> "`" + java.util.regex.Matcher.quoteReplacement(cut(m.group(1))) + "`");
    return LONG_WORD.matcher(spans).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(cut(m.group())));
  }

  private static String cut(String w) {
    int keep = Character.isHighSurrogate(w.charAt(23)) ? 23 : 24;
    return w.substring(0, keep) + "… (" + w.length() + " characters)";
  }

  private static final java.util.regex.Pattern LONG_SPAN = java.util.regex.Pattern.compile("`([^`]{61,})`");
  private static final java.util.regex.Pattern LONG_WORD = java.util.regex.Pattern.compile("[^\\s'`]{61,}");

  /**
   * {@code s} with control characters (but tab and newline) as their Unicode pictures, one
   * character each so that carets stay in place: quoting a stray escape or carriage return must
   * not move the user's terminal cursor.
   */
  public static String visible(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      char shown = c == '\t' || c == '\n' ? c : c < 0x20 ? (char) (0x2400 + c) : c == 0x7f ? '\u2421'
          : c >= 0x80 && c < 0xa0 ? '\ufffd' : c;
      if (shown != c && sb == null) {
        sb = new StringBuilder(s.substring(0, i));
      }
      if (sb != null) {
        sb.append(shown);
      }
    }
    return sb == null ? s : sb.toString();
  }
}
