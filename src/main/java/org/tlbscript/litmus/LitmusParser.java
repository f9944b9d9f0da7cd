package org.tlbscript.litmus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tlbscript.engine.Litmus;
import org.tlbscript.engine.Litmus.Cond;
import org.tlbscript.engine.Litmus.Instr;
import org.tlbscript.engine.Litmus.Instr.Kind;
import org.tlbscript.engine.Litmus.Quantifier;
import org.tlbscript.engine.Litmus.Term;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Pos;
import org.tlbscript.lang.Source;

/**
 * herd7's x86 litmus format, the part tlbscript runs: the {@code X86 NAME} line, an optional doc
 * string and {@code key=value} lines, the initial state {@code { x=1; 0:EAX=2; }}, the program
 * table ({@code P0 | P1 ;} and one row of instructions per line), an optional
 * {@code locations [x; 0:EAX;]} line and the final condition. Comments are {@code (* ... *)}.
 * Anything else is an {@link Invalid} with its position, never a guess.
 */
public final class LitmusParser {
  /** A test that cannot be run, with the diagnostic that says where and why. */
  public static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public final transient Diagnostic diagnostic;

    Invalid(Diagnostic diagnostic) {
      super(diagnostic.headline(), null, false, false);
      this.diagnostic = diagnostic;
    }
  }

  /** herd7's X86 registers (32-bit). */
  public static final List<String> REGISTERS = List.of("EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP");

  static final String SUPPORTED = "supported: MOV (to or from [x], or $v to a register), MFENCE, XCHG, "
      + "LOCK ADD, LOCK INC, LOCK CMPXCHG, LOCK XADD";

  /** Parses {@code source}, or throws {@link Invalid}. */
  public static Litmus.Test parse(Source source) {
    return new LitmusParser(source).test();
  }

  private final Source source;
  /** The text with comments blanked out (newlines kept, so positions stay). */
  private final String text;
  private final int[] lineStart;

  private LitmusParser(Source source) {
    this.source = source;
    String raw = source.text();
    List<Integer> starts = new ArrayList<>(List.of(0));
    for (int i = 0; i < raw.length(); i++) {
      if (raw.charAt(i) == '\n') {
        starts.add(i + 1);
      }
    }
    lineStart = starts.stream().mapToInt(Integer::intValue).toArray();
    text = blankComments(raw);
  }

  private String blankComments(String s) {
    // herd7's comments, as OCaml's: (* ... *), here not nested
    StringBuilder sb = new StringBuilder(s);
    for (int i = s.indexOf("(*"); i >= 0; i = s.indexOf("(*", i)) {
      int end = s.indexOf("*)", i + 2);
      if (end < 0) {
        throw error(i, 2, "this comment is not closed with `*)`", null);
      }
      for (int k = i; k < end + 2; k++) {
        if (sb.charAt(k) != '\n') {
          sb.setCharAt(k, ' ');
        }
      }
      i = end + 2;
    }
    return sb.toString();
  }

  // ------------------------------------------------------------------ positions and errors

  private int lines() {
    return lineStart.length;
  }

  /** Line {@code l} (0-based) without its newline and a trailing \r. */
  private String line(int l) {
    int end = l + 1 < lineStart.length ? lineStart[l + 1] - 1 : text.length();
    String s = text.substring(lineStart[l], end);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  private int lineOf(int offset) {
    int l = java.util.Arrays.binarySearch(lineStart, offset);
    return l >= 0 ? l : -l - 2;
  }

  private Invalid error(int offset, int length, String message, String hint) {
    String all = source.text();
    if (offset >= all.length()) { // the end of the file: just after its last character
      offset = all.stripTrailing().length();
      length = 1;
    }
    int l = lineOf(offset);
    return new Invalid(new Diagnostic(new Pos(source, l + 1, offset - lineStart[l] + 1, Math.max(1, length)),
        message, hint));
  }

  private Invalid error(Tok t, String message, String hint) {
    return error(t.at, t.kind == Tok.Kind.EOF ? 1 : t.text.length(), message, hint);
  }

  // ------------------------------------------------------------------ tokens

  record Tok(Kind kind, String text, int at) {
    enum Kind { WORD, NUM, SYM, EOF }

    boolean is(String s) {
      return kind != Kind.EOF && text.equalsIgnoreCase(s);
    }

    String shown() {
      return kind == Kind.EOF ? "the end" : "`" + text + "`";
    }
  }

  /** The tokens of text[from, to), then an EOF token at {@code to}. */
  private List<Tok> lex(int from, int to) {
    List<Tok> out = new ArrayList<>();
    int i = from;
    while (i < to) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      int j = i + 1;
      Tok.Kind kind = Tok.Kind.SYM;
      if (Character.isLetter(c) || c == '_') {
        while (j < to && (Character.isLetterOrDigit(text.charAt(j)) || text.charAt(j) == '_')) {
          j++;
        }
        kind = Tok.Kind.WORD;
      } else if (Character.isDigit(c) || c == '-' && j < to && Character.isDigit(text.charAt(j))) {
        while (j < to && Character.isLetterOrDigit(text.charAt(j))) {
          j++;
        }
        kind = Tok.Kind.NUM;
      } else if ((c == '/' || c == '\\') && j < to && text.charAt(j) == (c == '/' ? '\\' : '/')) {
        j++;
      }
      out.add(new Tok(kind, text.substring(i, j), i));
      i = j;
    }
    out.add(new Tok(Tok.Kind.EOF, "", Math.min(to, text.length())));
    return out;
  }

  /** A cursor over tokens. */
  private final class Toks {
    final List<Tok> toks;
    int k;

    Toks(List<Tok> toks) {
      this.toks = toks;
    }

    Tok peek() {
      return toks.get(k);
    }

    Tok peek(int ahead) {
      return toks.get(Math.min(k + ahead, toks.size() - 1));
    }

    Tok next() {
      Tok t = toks.get(k);
      if (t.kind != Tok.Kind.EOF) {
        k++;
      }
      return t;
    }

    boolean eat(String s) {
      if (peek().is(s)) {
        k++;
        return true;
      }
      return false;
    }

    Tok expect(String s, String what) {
      if (!peek().is(s)) {
        throw error(peek(), "expected `" + s + "`" + what + ", found " + peek().shown(), null);
      }
      return next();
    }

    boolean atEnd() {
      return peek().kind == Tok.Kind.EOF;
    }
  }

  private long number(Tok t) {
    if (t.kind != Tok.Kind.NUM) {
      throw error(t, "expected a number, found " + t.shown(), null);
    }
    try {
      String s = t.text;
      boolean neg = s.startsWith("-");
      String digits = neg ? s.substring(1) : s;
      long v = digits.startsWith("0x") || digits.startsWith("0X")
          ? Long.parseLong(digits.substring(2), 16) : Long.parseLong(digits);
      return neg ? -v : v;
    } catch (NumberFormatException e) {
      throw error(t, "`" + t.text + "` is not a number", "values are decimal (or hex with 0x)");
    }
  }

  private String register(Tok t) {
    String r = t.text.toUpperCase(java.util.Locale.ROOT);
    if (t.kind != Tok.Kind.WORD || !REGISTERS.contains(r)) {
      throw error(t, t.kind == Tok.Kind.WORD ? "`" + t.text + "` is not an x86 register"
          : "expected a register, found " + t.shown(), "registers: " + String.join(", ", REGISTERS));
    }
    return r;
  }

  private String location(Tok t) {
    if (t.kind != Tok.Kind.WORD) {
      throw error(t, "expected a location name, found " + t.shown(), null);
    }
    if (REGISTERS.contains(t.text.toUpperCase(java.util.Locale.ROOT))) {
      throw error(t, "register-indirect addressing is not supported", "name a location: `[x]`");
    }
    return t.text;
  }

  // ------------------------------------------------------------------ the test

  private int threads;
  /** The thread numbers of register terms, checked once the program table gives the threads. */
  private final List<Tok> threadRefs = new ArrayList<>();

  private Litmus.Test test() {
    int l = nextNonBlank(0);
    if (l < 0) {
      throw error(text.length(), 1, "empty file: a litmus test starts with `X86 NAME`", null);
    }
    String head = line(l);
    int a = indent(head);
    int b = a;
    while (b < head.length() && !Character.isWhitespace(head.charAt(b))) {
      b++;
    }
    String arch = head.substring(a, b);
    if (!arch.equalsIgnoreCase("X86")) {
      throw error(lineStart[l] + a, b - a, "not an x86 litmus test: the architecture is `" + arch + "`",
          "tlbscript runs herd7's X86 tests (the first line is `X86 NAME`)");
    }
    int c = b;
    while (c < head.length() && Character.isWhitespace(head.charAt(c))) {
      c++;
    }
    int d = c;
    while (d < head.length() && !Character.isWhitespace(head.charAt(d)) && head.charAt(d) != '"') {
      d++;
    }
    if (c == d) {
      throw error(lineStart[l] + b, 1, "the test has no name", "the first line is `X86 NAME`");
    }
    String name = head.substring(c, d);

    // doc string and key=value lines, up to the initial state (or straight to the program)
    Map<Term, Long> init = new LinkedHashMap<>();
    for (l = l + 1; ; l++) {
      if (l >= lines()) {
        throw error(text.length(), 1, "no program: expected the initial state `{ ... }` and a `P0 | P1 ;` line",
            null);
      }
      String s = line(l).trim();
      int at = lineStart[l] + indent(line(l));
      if (s.isEmpty()) {
        continue;
      }
      if (s.startsWith("{")) {
        l = init(at, init);
        break;
      }
      if (s.matches("P0\\s*[|;].*")) {
        l--;
        break;
      }
      if (s.startsWith("\"")) {
        int close = text.indexOf('"', at + 1);
        if (close < 0) {
          throw error(at, 1, "this doc string is not closed with `\"`", null);
        }
        l = lineOf(close);
      } else if (!s.contains("=")) {
        throw error(at, s.length(), "expected the initial state `{ ... }` or the program's `P0 | P1 ;` line",
            "header lines are a doc string in quotes or `key=value`");
      }
    }

    l = nextNonBlank(l + 1);
    if (l < 0) {
      throw error(text.length(), 1, "no program: expected a `P0 | P1 ;` line", null);
    }
    List<List<Instr>> code = new ArrayList<>();
    threads = header(l);
    for (int t = 0; t < threads; t++) {
      code.add(new ArrayList<>());
    }
    int row = 0;
    for (l++; l < lines(); l++) {
      String s = line(l);
      String t = s.trim();
      if (t.isEmpty()) {
        continue;
      }
      if (t.matches("(?i)(exists|forall|locations|filter)\\b.*") || t.startsWith("~")) {
        break;
      }
      row(l, ++row, code);
    }
    if (l >= lines()) {
      throw error(text.length(), 1, "no final condition: expected `exists`, `~exists` or `forall`", null);
    }

    Toks ts = new Toks(lex(lineStart[l], text.length()));
    List<Term> locations = new ArrayList<>();
    if (ts.eat("locations")) {
      ts.expect("[", " after `locations`");
      while (!ts.eat("]")) {
        if (ts.atEnd()) {
          throw error(ts.peek(), "the locations list is not closed with `]`", null);
        }
        locations.add(term(ts, false));
        ts.eat(";");
      }
    }
    Tok q = ts.peek();
    Quantifier quantifier;
    if (ts.eat("exists")) {
      quantifier = Quantifier.EXISTS;
    } else if (ts.eat("forall")) {
      quantifier = Quantifier.FORALL;
    } else if (q.is("~") && ts.peek(1).is("exists")) {
      ts.next();
      ts.next();
      quantifier = Quantifier.NOT_EXISTS;
    } else if (q.is("filter")) {
      throw error(q, "`filter` is not supported", null);
    } else {
      throw error(q, "expected the final condition: `exists`, `~exists` or `forall`, found " + q.shown(), null);
    }
    Cond cond = or(ts);
    if (!ts.atEnd()) {
      throw error(ts.peek(), "unexpected " + ts.peek().shown() + " after the condition",
          "combine terms with /\\ and \\/");
    }
    for (Tok t : threadRefs) {
      if (number(t) >= threads) {
        throw error(t, "no thread P" + t.text + ": the test has " + threads
            + (threads == 1 ? " thread" : " threads"), null);
      }
    }
    return new Litmus.Test(name, init, code, quantifier, cond, locations);
  }

  private int nextNonBlank(int from) {
    for (int l = from; l < lines(); l++) {
      if (!line(l).isBlank()) {
        return l;
      }
    }
    return -1;
  }

  private static int indent(String s) {
    int i = 0;
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  /** The initial state from the {@code {} at {@code at}; returns the line of its {@code }}. */
  private int init(int at, Map<Term, Long> init) {
    int close = text.indexOf('}', at);
    if (close < 0) {
      throw error(at, 1, "the initial state is not closed with `}`", null);
    }
    String after = line(lineOf(close)).substring(close - lineStart[lineOf(close)] + 1);
    if (!after.isBlank()) {
      throw error(close + 1 + indent(after), after.trim().length(), "unexpected text after the initial state",
          "the program table starts on its own line");
    }
    Toks ts = new Toks(lex(at + 1, close));
    while (!ts.atEnd()) {
      if (ts.eat(";")) {
        continue;
      }
      if (ts.peek().kind == Tok.Kind.WORD && ts.peek(1).kind == Tok.Kind.WORD) {
        throw error(ts.peek(), "typed initial values are not supported", "write `x=1;` or `0:EAX=1;`");
      }
      Tok first = ts.peek();
      Term term = term(ts, false);
      ts.expect("=", " in the initial state");
      Tok v = ts.peek();
      if (v.kind == Tok.Kind.WORD) {
        throw error(v, "a register holding the address of a location is not supported",
            "tlbscript's instructions name locations directly: `MOV [x],$1`");
      }
      if (init.put(term, number(ts.next())) != null) {
        throw error(first, term + " is set twice in the initial state", null);
      }
      if (!ts.atEnd() && !ts.peek().is(";")) {
        throw error(ts.peek(), "expected `;` between initial values, found " + ts.peek().shown(), null);
      }
    }
    return lineOf(close);
  }

  /** The {@code P0 | P1 ;} line: returns the number of threads. */
  private int header(int l) {
    String s = line(l);
    int end = s.stripTrailing().length();
    if (!s.stripTrailing().endsWith(";")) {
      throw error(lineStart[l] + end, 1, "the program's first line ends with `;`", "`P0 | P1 ;`");
    }
    int n = 0;
    int from = 0;
    for (String cell : s.substring(0, end - 1).split("\\|", -1)) {
      String name = cell.trim();
      if (!name.equals("P" + n)) {
        int at = lineStart[l] + from + indent(cell);
        throw error(at, Math.max(1, name.length()), "expected `P" + n + "`, found "
            + (name.isEmpty() ? "nothing" : "`" + name + "`"), "the program's first line names P0, P1, ... in order");
      }
      n++;
      from += cell.length() + 1;
    }
    return n;
  }

  /** One row of the program table, line {@code l}. */
  private void row(int l, int row, List<List<Instr>> code) {
    String s = line(l);
    String trimmed = s.stripTrailing();
    if (!trimmed.endsWith(";")) {
      throw error(lineStart[l] + trimmed.length(), 1, "a program row ends with `;`",
          "one instruction per thread, columns separated by `|`: ` MOV [x],$1 | MOV EAX,[y] ;`");
    }
    int from = 0;
    int t = 0;
    for (String cell : trimmed.substring(0, trimmed.length() - 1).split("\\|", -1)) {
      if (t == threads) {
        throw error(lineStart[l] + from - 1, 1, "this row has more columns than the test's " + threads
            + (threads == 1 ? " thread" : " threads"), null);
      }
      if (!cell.isBlank()) {
        code.get(t).add(instr(lineStart[l] + from, lineStart[l] + from + cell.length(), row));
      }
      from += cell.length() + 1;
      t++;
    }
  }

  private enum Op { MEM, IMM, REG }

  private record Operand(Op op, String name, long value, Tok at) {}

  /** The instruction in text[from, to). */
  private Instr instr(int from, int to, int row) {
    Toks ts = new Toks(lex(from, to));
    if (ts.peek(1).is(":")) {
      throw error(ts.peek(), "labels and jumps are not supported", null);
    }
    boolean lock = ts.eat("LOCK");
    Tok m = ts.next();
    if (m.kind != Tok.Kind.WORD) {
      throw error(m, "expected an instruction, found " + m.shown(), SUPPORTED);
    }
    String mn = m.text.toUpperCase(java.util.Locale.ROOT);
    List<Operand> ops = new ArrayList<>();
    while (!ts.atEnd()) {
      if (!ops.isEmpty()) {
        ts.expect(",", " between operands");
      }
      Tok t = ts.next();
      if (t.is("[")) {
        String loc = location(ts.next());
        ts.expect("]", " after the location");
        ops.add(new Operand(Op.MEM, loc, 0, t));
      } else if (t.is("$")) {
        ops.add(new Operand(Op.IMM, null, number(ts.next()), t));
      } else if (t.kind == Tok.Kind.NUM) {
        throw error(t, "an immediate value is written `$" + t.text + "`", null);
      } else {
        ops.add(new Operand(Op.REG, register(t), 0, t));
      }
    }
    String shape = ops.stream().map(o -> o.op.name()).reduce((x, y) -> x + "," + y).orElse("");
    boolean rmw = List.of("ADD", "INC", "CMPXCHG", "XADD").contains(mn);
    if (lock && !rmw && !mn.equals("XCHG")) {
      throw error(m, "`LOCK " + mn + "` is not supported", "LOCK goes with ADD, INC, CMPXCHG, XADD or XCHG");
    }
    if (rmw && !lock) {
      throw error(m, "`" + mn + "` without LOCK is not atomic, and tlbscript models only locked read-modify-writes",
          "write `LOCK " + mn + "`");
    }
    switch (mn) {
      case "MOV" -> {
        switch (shape) {
          case "MEM,IMM" -> {
            return new Instr(row, Kind.STORE, null, ops.get(0).name, ops.get(1).value);
          }
          case "MEM,REG" -> {
            return new Instr(row, Kind.STORE_REG, ops.get(1).name, ops.get(0).name, 0);
          }
          case "REG,MEM" -> {
            return new Instr(row, Kind.LOAD, ops.get(0).name, ops.get(1).name, 0);
          }
          case "REG,IMM" -> {
            return new Instr(row, Kind.MOVE, ops.get(0).name, null, ops.get(1).value);
          }
          default -> throw error(m, "unsupported form of MOV: " + describe(shape),
              "MOV [x],$v, MOV [x],REG, MOV REG,[x] or MOV REG,$v");
        }
      }
      case "MFENCE" -> {
        if (!ops.isEmpty()) {
          throw error(ops.get(0).at, "MFENCE takes no operands", null);
        }
        return new Instr(row, Kind.MFENCE, null, null, 0);
      }
      case "XCHG" -> {
        if (shape.equals("MEM,REG") || shape.equals("REG,MEM")) {
          Operand mem = ops.get(0).op == Op.MEM ? ops.get(0) : ops.get(1);
          Operand reg = ops.get(0).op == Op.REG ? ops.get(0) : ops.get(1);
          return new Instr(row, Kind.XCHG, reg.name, mem.name, 0);
        }
        throw error(m, "unsupported form of XCHG: " + describe(shape), "XCHG [x],REG or XCHG REG,[x]");
      }
      case "ADD" -> {
        if (shape.equals("MEM,IMM")) {
          return new Instr(row, Kind.ADD, null, ops.get(0).name, ops.get(1).value);
        }
        if (shape.equals("MEM,REG")) {
          return new Instr(row, Kind.ADD_REG, ops.get(1).name, ops.get(0).name, 0);
        }
        throw error(m, "unsupported form of LOCK ADD: " + describe(shape), "LOCK ADD [x],$v or LOCK ADD [x],REG");
      }
      case "INC" -> {
        if (shape.equals("MEM")) {
          return new Instr(row, Kind.INC, null, ops.get(0).name, 0);
        }
        throw error(m, "unsupported form of LOCK INC: " + describe(shape), "LOCK INC [x]");
      }
      case "CMPXCHG", "XADD" -> {
        if (shape.equals("MEM,REG")) {
          return new Instr(row, mn.equals("XADD") ? Kind.XADD : Kind.CMPXCHG, ops.get(1).name, ops.get(0).name, 0);
        }
        throw error(m, "unsupported form of LOCK " + mn + ": " + describe(shape), "LOCK " + mn + " [x],REG");
      }
      default -> throw error(m, "unsupported instruction `" + m.text + "`", SUPPORTED);
    }
  }

  private static String describe(String shape) {
    if (shape.isEmpty()) {
      return "no operands";
    }
    return shape.replace("MEM", "[x]").replace("IMM", "$v").replace(",", ", ");
  }

  // ------------------------------------------------------------------ the condition

  /** {@code N:REG}, {@code x} or {@code [x]}. */
  private Term term(Toks ts, boolean inCondition) {
    Tok t = ts.next();
    if (t.kind == Tok.Kind.NUM && ts.peek().is(":")) {
      ts.next();
      long thread = number(t);
      if (thread < 0 || thread > 63) {
        throw error(t, "no thread P" + t.text, null);
      }
      threadRefs.add(t);
      return new Term((int) thread, register(ts.next()));
    }
    if (t.is("[")) {
      String loc = location(ts.next());
      ts.expect("]", " after the location");
      return new Term(-1, loc);
    }
    if (t.kind == Tok.Kind.WORD) {
      return new Term(-1, location(t));
    }
    throw error(t, "expected " + (inCondition ? "a term like `0:EAX=1` or `x=1`" : "`x` or `0:EAX`")
        + ", found " + t.shown(), null);
  }

  /** Disjunctions of conjunctions: as in herd7, ~ binds tighter than /\, which binds tighter than \/. */
  private Cond or(Toks ts) {
    List<Cond> cs = new ArrayList<>(List.of(and(ts)));
    while (ts.eat("\\/")) {
      cs.add(and(ts));
    }
    return cs.size() == 1 ? cs.get(0) : new Cond.Or(cs);
  }

  private Cond and(Toks ts) {
    List<Cond> cs = new ArrayList<>(List.of(unary(ts)));
    while (ts.eat("/\\")) {
      cs.add(unary(ts));
    }
    return cs.size() == 1 ? cs.get(0) : new Cond.And(cs);
  }

  private Cond unary(Toks ts) {
    if (ts.eat("~") || ts.eat("not")) {
      return new Cond.Not(unary(ts));
    }
    if (ts.eat("true")) {
      return new Cond.And(List.of());
    }
    if (ts.eat("false")) {
      return new Cond.Or(List.of());
    }
    Tok open = ts.peek();
    if (ts.eat("(")) {
      Cond c = or(ts);
      if (!ts.eat(")")) {
        int l = lineOf(open.at);
        throw error(ts.peek(), "expected `)` for the `(` at " + (l + 1) + ":" + (open.at - lineStart[l] + 1)
            + ", found " + ts.peek().shown(), null);
      }
      return c;
    }
    Term term = term(ts, true);
    if (ts.peek().is("=") && ts.peek(1).is(">")) {
      throw error(ts.peek(), "implication (=>) is not supported", null);
    }
    ts.expect("=", " after " + term);
    Tok v = ts.peek();
    if (v.kind == Tok.Kind.WORD || v.is("[")) {
      throw error(v, "comparing two locations or registers is not supported", "compare with a value: `x=1`");
    }
    return new Cond.Eq(term, number(ts.next()));
  }
}
