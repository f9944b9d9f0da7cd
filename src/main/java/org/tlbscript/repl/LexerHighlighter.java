package org.tlbscript.repl;

import org.jline.reader.Highlighter;
import org.jline.reader.LineReader;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;
import org.tlbscript.lang.Parser;

/** Syntax colouring as you type: the buffer is re-lexed at every key. */
final class LexerHighlighter implements Highlighter {
  static final AttributedStyle KEYWORD = AttributedStyle.BOLD;
  static final AttributedStyle CPU = AttributedStyle.DEFAULT.foreground(AttributedStyle.GREEN);
  static final AttributedStyle MM = AttributedStyle.DEFAULT.foreground(AttributedStyle.YELLOW);
  static final AttributedStyle NUMBER = AttributedStyle.DEFAULT.foreground(AttributedStyle.MAGENTA);
  static final AttributedStyle COMMENT = AttributedStyle.DEFAULT.foreground(AttributedStyle.BRIGHT + AttributedStyle.BLACK);
  static final AttributedStyle COMMAND = AttributedStyle.BOLD.foreground(AttributedStyle.CYAN);

  @Override
  public AttributedString highlight(LineReader reader, String buffer) {
    AttributedStringBuilder sb = new AttributedStringBuilder();
    String trimmed = buffer.stripLeading();
    if (trimmed.startsWith(":")) {
      int start = buffer.length() - trimmed.length();
      int end = trimmed.indexOf(' ') < 0 ? buffer.length() : start + trimmed.indexOf(' ');
      sb.append(buffer.substring(0, start)).styled(COMMAND, buffer.substring(start, end)).append(buffer.substring(end));
      return sb.toAttributedString();
    }
    int at = 0;
    for (Parser.Lexeme t : Parser.lex(buffer)) {
      if (t.start() < at) {
        continue;
      }
      sb.append(buffer.substring(at, t.start()));
      String text = buffer.substring(t.start(), t.end());
      AttributedStyle style = switch (t.kind()) {
        case KEYWORD -> KEYWORD;
        case CPU -> CPU;
        case MM -> MM;
        case NUMBER -> NUMBER;
        case COMMENT -> COMMENT;
        default -> AttributedStyle.DEFAULT;
      };
      sb.styled(style, text);
      at = t.end();
    }
    sb.append(buffer.substring(at));
    return sb.toAttributedString();
  }

  @Override
  public void setErrorPattern(java.util.regex.Pattern errorPattern) {}

  @Override
  public void setErrorIndex(int errorIndex) {}
}
