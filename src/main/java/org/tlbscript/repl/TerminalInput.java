package org.tlbscript.repl;

import java.io.IOException;
import java.nio.file.Path;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.widget.AutosuggestionWidgets;

/** Lines from a JLine terminal: completion, colouring, continuation lines, history. */
final class TerminalInput implements Repl.Input {
  private final LineReader reader;

  TerminalInput(Terminal terminal, Path history, Workspace ws) {
    reader = LineReaderBuilder.builder().terminal(terminal).appName("tlbscript")
        .completer(new GrammarCompleter(ws))
        .highlighter(new LexerHighlighter())
        .parser(new BlockParser())
        .variable(LineReader.HISTORY_FILE, history)
        .variable(LineReader.SECONDARY_PROMPT_PATTERN, "  ..  ")
        .variable(LineReader.INDENTATION, 2)
        .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
        .build();
    String type = terminal.getType();
    if (!Terminal.TYPE_DUMB.equals(type) && !Terminal.TYPE_DUMB_COLOR.equals(type)) {
      new AutosuggestionWidgets(reader).enable();
    }
  }

  @Override
  public String readLine(String prompt) {
    try {
      return reader.readLine(prompt);
    } catch (UserInterruptException e) {
      return "";
    } catch (EndOfFileException e) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    reader.getHistory().save();
  }
}
