package org.tlbscript.repl;

import org.jline.reader.EOFError;
import org.jline.reader.ParsedLine;
import org.jline.reader.impl.DefaultParser;

/**
 * JLine's line parser: Enter inside an unfinished statement (an open `together {`) asks for a
 * continuation line instead of accepting the buffer; otherwise JLine's word splitting.
 */
final class BlockParser extends DefaultParser {
  @Override
  public ParsedLine parse(String line, int cursor, ParseContext context) {
    if (context == ParseContext.ACCEPT_LINE && Workspace.incomplete(line)) {
      throw new EOFError(-1, -1, "incomplete statement", "}");
    }
    return super.parse(line, cursor, context);
  }
}
