package org.tlbscript.lang;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.Vocabulary;
import org.antlr.v4.runtime.misc.IntervalSet;
import org.tlbscript.lang.parser.TlbsLexer;
import org.tlbscript.lang.parser.TlbsParser;

/** The one façade over ANTLR: text in, AST and diagnostics out. */
public final class Parser {
  private Parser() {}

  /**
   * The statements, the syntax errors (one per line at most), and whether input ended early:
   * the first syntax error is at its end, so more lines could complete it (an open together
   * block). An earlier error is not mended by more input: the REPL reports it at once.
   */
  public record Result(List<Ast.Stmt> statements, List<Diagnostic> diagnostics, boolean incomplete) {
    public boolean ok() {
      return diagnostics.isEmpty();
    }
  }

  public static Result parse(Source source) {
    TlbsLexer lexer = new TlbsLexer(CharStreams.fromString(source.text(), source.name()));
    lexer.setLine(source.firstLine());
    TlbsParser parser = new TlbsParser(new CommonTokenStream(lexer));
    Listener listener = new Listener(source);
    lexer.removeErrorListeners();
    parser.removeErrorListeners();
    parser.addErrorListener(listener);
    TlbsParser.ScriptContext tree = parser.script();
    AstBuilder builder = new AstBuilder(source);
    // statements without syntax errors are built even when others have them, so that the
    // checker can report problems on every line at once
    List<Ast.Stmt> statements = builder.script(tree);
    List<Diagnostic> all = new ArrayList<>(listener.diagnostics);
    all.addAll(builder.diagnostics());
    return new Result(statements, all, listener.sawEof);
  }

  /**
   * The keywords and token kinds the grammar accepts after {@code textBeforeCursor}. The
   * expected set at a sentinel character is exact when the parser stops there; when a choice
   * needing lookahead fails earlier (after `cpu1 switch`, `mm1` or `kernel`), each token kind
   * is tried in turn instead.
   */
  public static List<String> expectedAfter(String textBeforeCursor) {
    Listener first = probe(textBeforeCursor);
    if (first.firstOffset == textBeforeCursor.length()) {
      return first.firstExpected;
    }
    String base = textBeforeCursor.isEmpty() || Character.isWhitespace(textBeforeCursor.charAt(textBeforeCursor.length() - 1))
        ? textBeforeCursor : textBeforeCursor + " ";
    java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
    Vocabulary v = TlbsLexer.VOCABULARY;
    for (int type = 1; type <= v.getMaxTokenType(); type++) {
      String lit = v.getLiteralName(type);
      String sample = lit != null ? lit.substring(1, lit.length() - 1) : switch (String.valueOf(v.getSymbolicName(type))) {
        case "CPU" -> "cpu0";
        case "MM" -> "mm1";
        case "NUMBER" -> "1";
        case "NAME" -> "x";
        default -> null;
      };
      if (sample == null) {
        continue;
      }
      String text = base + sample + " ";
      if (probe(text).firstOffset == text.length()) {
        out.add(display(v, type));
      }
    }
    return new ArrayList<>(out);
  }

  /** Parses {@code text} and a sentinel that no rule accepts there. */
  private static Listener probe(String text) {
    Source source = new Source("<completion>", text + "\u0000");
    TlbsLexer lexer = new TlbsLexer(CharStreams.fromString(source.text()));
    TlbsParser parser = new TlbsParser(new CommonTokenStream(lexer));
    Listener listener = new Listener(source);
    lexer.removeErrorListeners();
    parser.removeErrorListeners();
    parser.addErrorListener(listener);
    parser.script();
    if (listener.firstExpected == null) {
      listener.firstExpected = List.of();
    }
    return listener;
  }

  /** What a stretch of input is, for syntax colouring. */
  public enum LexKind { KEYWORD, CPU, MM, NUMBER, NAME, COMMENT, OTHER }

  /** A token (or comment) of {@code text}: [start, end) and its kind. Whitespace is not listed. */
  public record Lexeme(int start, int end, LexKind kind) {}

  /** The tokens of {@code text}, never failing (unknown characters are OTHER). */
  public static List<Lexeme> lex(String text) {
    TlbsLexer lexer = new TlbsLexer(CharStreams.fromString(text));
    lexer.removeErrorListeners();
    List<Lexeme> out = new ArrayList<>();
    int at = 0;
    for (Token t = lexer.nextToken(); t.getType() != Token.EOF; t = lexer.nextToken()) {
      int start = t.getStartIndex();
      // skipped comments are not tokens: find them in the gap
      int hash = text.indexOf('#', at);
      if (hash >= 0 && hash < start) {
        int nl = text.indexOf('\n', hash);
        out.add(new Lexeme(hash, nl < 0 || nl > start ? start : nl, LexKind.COMMENT));
      }
      int type = t.getType();
      String lit = TlbsLexer.VOCABULARY.getLiteralName(type);
      LexKind kind = type == TlbsLexer.CPU ? LexKind.CPU : type == TlbsLexer.MM ? LexKind.MM
          : type == TlbsLexer.NUMBER ? LexKind.NUMBER : type == TlbsLexer.NAME ? LexKind.NAME
          : lit != null && Character.isLetter(lit.charAt(1)) ? LexKind.KEYWORD : LexKind.OTHER;
      out.add(new Lexeme(start, t.getStopIndex() + 1, kind));
      at = t.getStopIndex() + 1;
    }
    int hash = text.indexOf('#', at);
    if (hash >= 0) {
      int nl = text.indexOf('\n', hash);
      out.add(new Lexeme(hash, nl < 0 ? text.length() : nl, LexKind.COMMENT));
    }
    return out;
  }

  static String display(Vocabulary vocabulary, int type) {
    if (type == Token.EOF) {
      return "end of input";
    }
    if (type == TlbsLexer.NL) {
      return "end of line";
    }
    String literal = vocabulary.getLiteralName(type);
    if (literal != null) {
      return literal.substring(1, literal.length() - 1);
    }
    return switch (vocabulary.getSymbolicName(type)) {
      case "CPU" -> "cpuN";
      case "MM" -> "mmN";
      case "NUMBER" -> "a number";
      case "NAME" -> "a name";
      case "NL" -> "end of line";
      default -> vocabulary.getSymbolicName(type);
    };
  }

  private static final java.util.Set<String> END = java.util.Set.of(";", "end of line", "end of input");

  private static List<String> keywords(Vocabulary v) {
    List<String> out = new ArrayList<>();
    for (int t = 1; t <= v.getMaxTokenType(); t++) {
      String lit = v.getLiteralName(t);
      if (lit != null && lit.matches("'[a-z_][a-z_\\-]*'")) {
        out.add(lit.substring(1, lit.length() - 1));
      }
    }
    return out;
  }

  private static final java.util.Set<String> NOT_KEYWORDS =
      java.util.Set.of("cpuN", "mmN", "a number", "a name", "end of line", "end of input");

  private static final class Listener extends BaseErrorListener {
    final Source source;
    final List<Diagnostic> diagnostics = new ArrayList<>();
    int lastLine = -1;
    /** The first syntax error is at the end of input. */
    boolean sawEof;
    List<String> firstExpected;
    /** Where the first syntax error's offending token starts (-1: none). */
    int firstOffset = -1;

    Listener(Source source) {
      this.source = source;
    }

    @Override
    public void syntaxError(Recognizer<?, ?> recognizer, Object offending, int line, int col,
        String antlrMessage, RecognitionException e) {
      Token token = offending instanceof Token t ? t : null;
      if (firstExpected == null && token != null && token.getType() == Token.EOF) {
        sawEof = true;
      }
      List<String> expected = new ArrayList<>();
      if (recognizer instanceof TlbsParser p) {
        IntervalSet set = e != null && e.getExpectedTokens() != null ? e.getExpectedTokens()
            : p.getExpectedTokens();
        TreeSet<String> names = new TreeSet<>();
        for (int type : set.toList()) {
          names.add(display(p.getVocabulary(), type));
        }
        expected.addAll(names);
      }
      if (firstExpected == null) {
        firstExpected = expected;
        // a failed prediction reports the tokens expected where the choice began
        Token from = e instanceof org.antlr.v4.runtime.NoViableAltException nv ? nv.getStartToken() : token;
        firstOffset = from == null ? -1 : from.getStartIndex();
      }
      if (line == lastLine) {
        return; // one diagnostic per line: later ones are cascades
      }
      lastLine = line;
      String text = token == null ? "" : token.getText();
      int length = token == null || token.getType() == Token.EOF ? 1 : Math.max(1, text.length());
      // the end of a CRLF line (or of input after a CR) is where its CR is: quoted lines drop it
      if (token != null && (token.getType() == TlbsLexer.NL || token.getType() == Token.EOF) && token.getStartIndex() > 0
          && token.getInputStream().getText(org.antlr.v4.runtime.misc.Interval.of(token.getStartIndex() - 1,
              token.getStartIndex() - 1)).equals("\r")) {
        col--;
      }
      Pos pos = new Pos(source, line, col + 1, length);
      String found = token == null || token.getType() == Token.EOF ? "end of input"
          : "\n".equals(text) || "\r\n".equals(text) ? "end of line" : "'" + text + "'";
      String message = expected.isEmpty() ? "unexpected " + found
          : "unexpected " + found + ", expected " + describe(expected);
      String hint = null;
      boolean atEnd = !expected.isEmpty() && END.containsAll(expected);
      if (atEnd && token != null && token.getType() != Token.EOF) {
        message = "unexpected '" + text + "' after the end of the statement";
      }
      if (token != null && token.getType() != Token.EOF && !expected.isEmpty()) {
        List<String> words = atEnd && recognizer instanceof TlbsParser p ? keywords(p.getVocabulary())
            : expected.stream().filter(w -> w.matches("[a-z_][a-z_\\-]*")).toList();
        hint = Suggest.closest(text, words).map(w -> "did you mean '" + w + "'?").orElse(null);
      }
      if (hint == null && "-".equals(text) && expected.contains("a number")) {
        hint = "numbers here are never negative";
      }
      diagnostics.add(new Diagnostic(pos, message, hint));
    }

    private static String describe(List<String> expected) {
      List<String> shown = expected.stream()
          .map(w -> NOT_KEYWORDS.contains(w) ? w : "'" + w + "'")
          .toList();
      if (shown.size() > 16) {
        return "one of " + String.join(", ", shown.subList(0, 16)) + ", ...";
      }
      return shown.size() == 1 ? shown.get(0) : "one of " + String.join(", ", shown);
    }
  }
}
