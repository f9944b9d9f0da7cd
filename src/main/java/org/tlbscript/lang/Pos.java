package org.tlbscript.lang;

/** A place in a source: 1-based line and column, and the length of the text it covers. */
public record Pos(Source source, int line, int col, int length) {
  public static Pos at(Source source, int line, int col) {
    return new Pos(source, line, col, 1);
  }

  @Override
  public String toString() {
    return source.name() + ":" + line + ":" + col;
  }
}
