package org.tlbscript.lang;

/**
 * A place in a source: 1-based line and column, and the length of the text it covers. Line 0
 * is the source as a whole (a file that cannot be read has no line to point at).
 */
public record Pos(Source source, int line, int col, int length) {
  public static Pos at(Source source, int line, int col) {
    return new Pos(source, line, col, 1);
  }

  /** The whole of {@code source}: printed as its name alone. */
  public static Pos whole(Source source) {
    return new Pos(source, 0, 0, 0);
  }

  public boolean isWhole() {
    return line == 0;
  }

  /** Where column {@code col} starts in {@code line}: columns count code points, as the lexer does. */
  static int offset(String line, int col) {
    int cps = line.codePointCount(0, line.length());
    return line.offsetByCodePoints(0, Math.max(0, Math.min(col - 1, cps)));
  }

  /** The text this position covers on its line ("" for the whole source). */
  public String text() {
    String l = source.line(line);
    int from = offset(l, col);
    return l.substring(from, Math.min(l.length(), from + length));
  }

  @Override
  public String toString() {
    return isWhole() ? source.name() : source.name() + ":" + line + ":" + col;
  }
}
