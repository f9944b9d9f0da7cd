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

  /** The first line only: {@code file:line:col: error: message}. */
  public String headline() {
    return pos + ": error: " + message;
  }

  public String render() {
    StringBuilder sb = new StringBuilder(headline()).append('\n');
    String line = pos.source().line(pos.line());
    if (!line.isEmpty()) {
      sb.append("  ").append(line).append('\n');
      sb.append("  ");
      for (int i = 1; i < pos.col() && i <= line.length(); i++) {
        sb.append(line.charAt(i - 1) == '\t' ? '\t' : ' ');
      }
      sb.append("^").append("~".repeat(Math.max(0, pos.length() - 1))).append('\n');
    }
    if (hint != null) {
      sb.append("  hint: ").append(hint).append('\n');
    }
    return sb.toString();
  }
}
