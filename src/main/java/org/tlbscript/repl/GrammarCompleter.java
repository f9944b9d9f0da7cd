package org.tlbscript.repl;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Parser;

/**
 * Tab completion from the grammar ({@link Parser#expectedAfter} on the text before the word
 * being typed) and from the live session: declared CPUs, mm names, model names after
 * `kernel`/`on`/`:kernel`, step labels after `step to`. Names are read at every Tab, so a new
 * mm is offered as soon as a statement has named it.
 */
final class GrammarCompleter implements Completer {
  private final Workspace ws;

  GrammarCompleter(Workspace ws) {
    this.ws = ws;
  }

  @Override
  public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
    String before = line.line().substring(0, Math.max(0, line.cursor() - line.wordCursor()));
    for (String w : words(before)) {
      candidates.add(new Candidate(w, w, null, null, null, null, true));
    }
  }

  /** The words that may follow {@code before} (the text up to the word being completed). */
  List<String> words(String before) {
    String stripped = before.stripLeading();
    if (stripped.startsWith(":")) {
      return command(stripped);
    }
    if (stripped.isEmpty() && before.indexOf('\n') < 0) {
      // a statement or a command
      Set<String> out = new LinkedHashSet<>(grammar(before));
      out.addAll(Commands.NAMES);
      return new ArrayList<>(out);
    }
    return grammar(before);
  }

  private List<String> command(String text) {
    String[] words = text.split("\\s+", -1);
    if (words.length <= 1) {
      return Commands.NAMES;
    }
    return switch (words[0]) {
      case ":kernel" -> words.length == 2 ? Models.knownNames() : List.of();
      case ":help" -> words.length == 2 ? new ArrayList<>(Help.TOPICS.keySet()) : List.of();
      case ":trace" -> words.length == 2 ? List.of("on", "off") : List.of();
      case ":save" -> List.of("--assert", "--force");
      default -> List.of();
    };
  }

  private List<String> grammar(String before) {
    List<String> expected = Parser.expectedAfter(before);
    String[] words = before.strip().split("\\s+");
    String last = words.length == 0 ? "" : words[words.length - 1];
    String first = words.length == 0 ? "" : words[0];
    if (last.equals("to") && words.length >= 2 && words[words.length - 2].equals("step")) {
      return ws.labels();
    }
    boolean header = last.equals("kernel") && words.length == 1 && before.indexOf('\n') < 0;
    if (expected.contains("a name") && (header || first.equals("on"))) {
      List<String> out = new ArrayList<>(Models.knownNames());
      out.add(header ? "all" : "assert");
      return out;
    }
    Set<String> out = new LinkedHashSet<>();
    for (String e : expected) {
      switch (e) {
        case "cpuN" -> out.addAll(ws.cpuNames());
        case "mmN" -> out.addAll(ws.mmNames());
        case "a number", "a name", "end of line", "end of input" -> { }
        default -> {
          if (e.matches("[a-z_][a-z0-9_\\-]*")) {
            out.add(e);
          }
        }
      }
    }
    return new ArrayList<>(out);
  }
}
