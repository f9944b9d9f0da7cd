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

  @Override
  public String toString() {
    return isWhole() ? source.name() : source.name() + ":" + line + ":" + col;
  }
}
