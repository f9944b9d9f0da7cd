package org.tlbscript.lang;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.tlbscript.cli.Main;
import org.tlbscript.engine.Explorer;
import org.tlbscript.engine.Litmus;
import org.tlbscript.engine.ModelBug;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Models;
import org.tlbscript.litmus.LitmusParser;
import org.tlbscript.repl.Repl;
import org.tlbscript.session.Comparison;
import org.tlbscript.session.ScenarioRun;

/**
 * Grammar-based fuzzing of everything tlbscript reads: random scenarios from the grammar's
 * vocabulary ({@link ScenarioGen}), broken by {@link Mutator}, through parse, check and run;
 * random REPL sessions (statements, together blocks over several lines, every :command) through
 * the REPL's line loop; the same scenarios through compare; random command lines. It fails on
 * any internal error: an exception escaping, a diagnostic without a position where the input
 * has one (or with a position outside it), a stack trace or "internal error" in the output, a
 * session the REPL saves that `run` does not pass, and a model self-check failing (a ModelBug:
 * a bug in the model, reported, never hidden).
 *
 * <p>Each input comes from its own seed, so one can be run alone. {@code -Dtlbscript.seed=S}
 * (default 1), {@code -Dtlbscript.fuzzInputs=N} (default 10 000: 30 to 55 s on the 2-core
 * reference machine), {@code -Dtlbscript.fuzzFrom=I} (start at input I: with fuzzInputs=1, the
 * one input a report names). A failure prints each distinct problem once, with the input made
 * as small as it stays failing, written to target/fuzz-failures/ with the command that replays it.
 * {@code -Dtlbscript.fuzzVerbose=true} prints every input, its time and what became of it.
 *
 * <p>A new kind of input (say, litmus files) is one more {@link Kind}: a generator and a runner.
 */
class FuzzTest {
  /** Small bounds so that a random together block stays fast. */
  static final Explorer.Limits LIMITS = new Explorer.Limits(3_000, 2_000, Explorer.Limits.DEFAULT.maxMemoryBytes());
  /** Files the REPL's :load and :save and the command lines use (relative, so a report replays from the project). */
  static final Path WORK = Path.of("target", "fuzz-work");
  static final Path FAILURES = Path.of("target", "fuzz-failures");

  /** One input: the bytes read (a file, piped lines) and, for command lines, the arguments. */
  record Input(byte[] bytes, List<String> args) {
    static Input of(byte[] bytes) {
      return new Input(bytes, List.of());
    }

    static Input of(String text) {
      return of(text.getBytes(StandardCharsets.UTF_8));
    }

    String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** Feeds an input to the tool and reports what is wrong with how it took it. */
  interface Runner {
    void run(Input input, Check check) throws Exception;
  }

  /**
   * A kind of input: how often it comes, how to make one, how to run one, and how a user
   * replays a saved one ({@code %s} is the saved file).
   */
  record Kind(String name, int weight, Function<SplittableRandom, Input> generate, Runner runner, String ext,
      String replay) {}

  static final List<Kind> KINDS = List.of(
      new Kind("scenario", 12, FuzzTest::scenario, FuzzTest::runScenario, "tlbs",
          "bin/tlbscript run --max-states 3000 --timeout 2 %s"),
      new Kind("repl", 4, FuzzTest::replSession, FuzzTest::runRepl, "txt", "bin/tlbscript repl < %s"),
      new Kind("compare", 1, FuzzTest::comparison, FuzzTest::runCompare, "tlbs",
          "bin/tlbscript compare %s --kernels (the models in the report)"),
      new Kind("litmus", 3, FuzzTest::litmus, FuzzTest::runLitmus, "litmus", "bin/tlbscript litmus %s"),
      new Kind("cli", 1, FuzzTest::commandLine, FuzzTest::runCommandLine, "args", "bin/tlbscript (the arguments in %s)"));

  // ------------------------------------------------------------------ checks

  /** A problem found: a signature (what kind of problem, where) and what was seen. */
  record Problem(String signature, String detail) {}

  /** What is wrong with one run. */
  static final class Check {
    final List<Problem> problems = new ArrayList<>();
    final Map<String, Integer> outcomes = new TreeMap<>();
    /** The runner did not answer in time. */
    boolean hung;
    private Source linesOf;
    private List<String> lines;
    /** The first diagnostic, for -Dtlbscript.fuzzVerbose. */
    String note = "";

    void problem(String signature, String detail) {
      problems.add(new Problem(signature, detail));
    }

    void outcome(String what) {
      outcomes.merge(what, 1, Integer::sum);
    }

    private static final Pattern TRACE = Pattern.compile("\\tat [a-z]+\\.|Exception|java\\.lang\\.|internal error");

    /** Text shown to the user: never a stack trace or an internal error. */
    void text(String where, String out) {
      var m = TRACE.matcher(out);
      if (m.find()) {
        int from = Math.max(0, out.lastIndexOf('\n', m.start()) + 1);
        int to = out.indexOf('\n', m.end());
        problem(where + " shows an internal error", out.substring(from, to < 0 ? out.length() : Math.min(to, from + 300)));
      }
    }

    /** A diagnostic about {@code input}: positioned inside it, rendered without failing. */
    void diagnostic(Diagnostic d, Source input) {
      String rendered = d.render();
      text("a diagnostic", rendered);
      if (rendered.length() > 4000) {
        problem("a diagnostic of " + rendered.length() / 1000 + "K characters: " + normalize(d.message()),
            rendered.substring(0, 600) + "...");
      }
      if (d.message().contains("expected error") && d.pos().source().text().isEmpty()) {
        return; // an expect-error comment that did not match: about the comment, at the file's start
      }
      Pos p = d.pos();
      if (p.isWhole()) {
        problem("a diagnostic without a position: " + normalize(d.message()), rendered);
        return;
      }
      if (!p.source().text().equals(input.text())) {
        problem("a diagnostic positioned in another text: " + normalize(d.message()), rendered);
        return;
      }
      if (input != linesOf) {
        linesOf = input;
        lines = input.lines(); // once per input: a run of a large file has many diagnostics
      }
      if (p.line() < 1 || p.line() > lines.size() || p.col() < 1
          || p.col() > lines.get(p.line() - 1).codePointCount(0, lines.get(p.line() - 1).length()) + 1) {
        problem("a diagnostic positioned outside its line: " + normalize(d.message()),
            p + " (" + lines.size() + " lines)\n" + rendered);
      }
      if (d.message().matches("(?s).*\\bnull\\b.*") && !input.text().contains("null")) {
        problem("a diagnostic that says null: " + normalize(d.message()), rendered);
      }
    }

    /** A message with its particulars taken out, so that one problem is reported once. */
    static String normalize(String message) {
      String first = message.lines().findFirst().orElse("");
      return first.replaceAll("'[^']*'|`[^`]*`", "'…'").replaceAll("0x[0-9a-f]+|[0-9]+", "N");
    }
  }

  // ------------------------------------------------------------------ scenario files

  static Input scenario(SplittableRandom r) {
    String text = new ScenarioGen(r).scenario();
    return r.nextDouble() < Double.parseDouble(System.getProperty("tlbscript.fuzzMutate", "0.6")) ? Input.of(new Mutator(r).mutate(text)) : Input.of(text);
  }

  static boolean validText(byte[] b) {
    for (byte x : b) {
      if (x == 0) {
        return false;
      }
    }
    try {
      StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  /** As `tlbscript run FILE` after reading the file: decode, parse, check, run under each model asked for. */
  static void runScenario(Input in, Check check) {
    Source source;
    try {
      source = Source.decode("fuzz.tlbs", in.bytes());
    } catch (Source.Unreadable e) {
      check.outcome("unreadable");
      if (validText(in.bytes())) {
        check.problem("valid UTF-8 text without NUL refused", e.diagnostic().render());
      }
      if (!e.diagnostic().pos().isWhole()) {
        check.problem("an unreadable file's diagnostic has a line", e.diagnostic().render());
      }
      return;
    }
    if (!validText(in.bytes())) {
      check.problem("undecodable bytes accepted as text", source.text());
    }
    Parser.Result parsed = Parser.parse(source);
    parsed.diagnostics().forEach(d -> check.diagnostic(d, source));
    Checker.check(parsed.statements(), Models.knownNames()).diagnostics().forEach(d -> check.diagnostic(d, source));
    for (ScenarioRun.Result r : ScenarioRun.runAll(source, null, false)) {
      check.outcome(r.status().name());
      if (check.note.isEmpty() && !r.diagnostics().isEmpty()) {
        check.note = r.diagnostics().get(0).headline();
      }
      check.text("the run's output", r.output());
      r.diagnostics().forEach(d -> check.diagnostic(d, source));
      if (r.status() == ScenarioRun.Status.MODEL_BUG) {
        check.problem("model bug: " + Check.normalize(r.diagnostics().get(0).message()), render(r));
      }
    }
  }

  static String render(ScenarioRun.Result r) {
    StringBuilder sb = new StringBuilder(r.name() + ": " + r.status() + "\n" + r.output());
    r.diagnostics().forEach(d -> sb.append(d.render()));
    return sb.toString();
  }

  // ------------------------------------------------------------------ compare

  static Input comparison(SplittableRandom r) {
    Input s = scenario(r);
    List<KernelModel> all = Models.all();
    return new Input(s.bytes(), List.of(all.get(r.nextInt(all.size())).name, all.get(r.nextInt(all.size())).name));
  }

  static void runCompare(Input in, Check check) {
    Source source;
    try {
      source = Source.decode("fuzz.tlbs", in.bytes());
    } catch (Source.Unreadable e) {
      return; // as for run: compare reads the file with the same helper
    }
    List<KernelModel> models = in.args().stream().map(n -> Models.find(n).orElseThrow()).toList();
    Comparison.Result r = Comparison.compare(source, models);
    check.text("compare's table", Comparison.render(r));
    for (Comparison.Row row : r.rows()) {
      check.outcome(String.valueOf(row.status()));
      row.diagnostics().forEach(d -> check.diagnostic(d, source));
      if (row.status() == ScenarioRun.Status.MODEL_BUG) {
        check.problem("model bug (compare): " + Check.normalize(row.diagnostics().get(0).message()),
            row.diagnostics().get(0).render());
      }
    }
  }

  // ------------------------------------------------------------------ litmus tests

  static Input litmus(SplittableRandom r) {
    String text = new LitmusGen(r).test();
    return r.nextInt(10) < 6 ? Input.of(new Mutator(r, LitmusGen.WORDS).mutate(text)) : Input.of(text);
  }

  /** As `tlbscript litmus FILE` after reading the file: parse, then run under x86-TSO and under SC. */
  static void runLitmus(Input in, Check check) {
    Source source;
    try {
      source = Source.decode("fuzz.litmus", in.bytes());
    } catch (Source.Unreadable e) {
      check.outcome("unreadable");
      return; // decoding is the scenario runner's check too
    }
    Litmus.Test t;
    try {
      t = LitmusParser.parse(source);
    } catch (LitmusParser.Invalid e) {
      check.outcome("invalid");
      check.diagnostic(e.diagnostic, source);
      return;
    }
    for (boolean tso : new boolean[] {true, false}) {
      try {
        Litmus.Run r = Litmus.run(t, tso, LIMITS);
        check.outcome(r.incomplete() != null ? "incomplete" : Litmus.ok(t, r) ? "Ok" : "No");
        check.text("the litmus report", Litmus.report(t, r));
      } catch (ModelBug e) {
        check.problem("model bug (litmus): " + Check.normalize(String.valueOf(e.getMessage())), stackTrace(e));
      }
    }
  }

  // ------------------------------------------------------------------ the REPL

  static final String[] COMMANDS = {":help", ":help races", ":help statements", ":help nothing", ":state", ":trace on",
      ":trace off", ":trace maybe", ":undo", ":undo 2", ":undo 0", ":undo -1", ":undo 99999999999", ":undo x", ":reset",
      ":kernel v4.19", ":kernel v6.18", ":kernel all", ":kernel", ":kernel v4.2", ":explore", ":steps", ":steps now",
      ":save", ":stat", ":", ":::", ":load", ":load " + WORK.resolve("missing.tlbs"), ":load " + WORK,
      ":load " + WORK.resolve("latin1.tlbs"), ":load " + WORK.resolve("binary.tlbs"), ":load " + WORK.resolve("good.tlbs"),
      ":load " + WORK.resolve("late-header.tlbs"), ":load /dev/null", ":load a\u0000b", ":save a\u0000b"};

  static Input replSession(SplittableRandom r) {
    ScenarioGen g = new ScenarioGen(r);
    List<String> lines = new ArrayList<>(g.headers());
    for (int n = 3 + r.nextInt(20); n > 0; n--) {
      double x = r.nextDouble();
      if (x < 0.62) {
        lines.add(g.statement());
      } else if (x < 0.72) {
        lines.add(g.action());
      } else if (x < 0.93) {
        lines.add(g.pick(COMMANDS));
      } else if (x < 0.97) {
        String file = WORK.resolve("saved" + r.nextInt(3) + ".tlbs").toString();
        lines.add(r.nextBoolean() ? ":save " + file + (r.nextBoolean() ? " --assert" : "") + " --force" : ":load " + file);
      } else if (x < 0.99) {
        lines.add(new String(new Mutator(r).mutate(g.statement()), StandardCharsets.UTF_8));
      } else {
        lines.add(":quit");
      }
    }
    String text = String.join("\n", lines) + "\n";
    return Input.of(confined(r.nextInt(5) == 0 ? new Mutator(r).mutate(text) : text.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * {@code session} with every :save that would write outside {@link #WORK} (a mutation can make
   * any path of one) turned into a bare :save, a usage error: the fuzzer must not write over the
   * project. Removing lines and words, as minimizing does, cannot make a new path.
   */
  static byte[] confined(byte[] session) {
    // the lines as the REPL reads them: UTF-8, split at \r, \n or \r\n, stripped, split into words
    String[] lines = new String(session, StandardCharsets.UTF_8).split("\r\n|\r|\n", -1);
    boolean changed = false;
    for (int i = 0; i < lines.length; i++) {
      String[] words = lines[i].strip().split("\\s+");
      if (words[0].equals(":save") && !java.util.Arrays.stream(words).skip(1)
          .allMatch(w -> w.startsWith("--") || w.startsWith(WORK + "/") && !w.contains("..") && w.matches("[\\w./-]+"))) {
        lines[i] = ":save";
        changed = true;
      }
    }
    return changed ? String.join("\n", lines).getBytes(StandardCharsets.UTF_8) : session;
  }


  private static final Pattern SAVED = Pattern.compile("saved \\d+ lines to (\\S+) \\(tlbscript run: (\\w+)\\)");
  private static final Pattern ERROR_LINE = Pattern.compile("^(error|<stdin>:\\d+:\\d+|<explore>:\\d+:\\d+|\\S.*?): error: |^error: ",
      Pattern.DOTALL);

  /** As `tlbscript repl < FILE`: the bytes through a UTF-8 reader, line by line through the REPL's loop. */
  static void runRepl(Input in, Check check) throws IOException {
    if (!java.util.Arrays.equals(confined(in.bytes()), in.bytes())) {
      throw new IllegalStateException("the fuzzer made a :save outside " + WORK); // its bug: refuse to run it
    }
    StringWriter out = new StringWriter();
    Repl repl = new Repl(Repl.plainInput(new BufferedReader(new InputStreamReader(new ByteArrayInputStream(in.bytes()),
        StandardCharsets.UTF_8))), new PrintWriter(out), null, false).limits(LIMITS);
    int exit = repl.run();
    check.outcome("exit " + exit);
    String text = out.toString();
    check.text("the REPL", text);
    if (exit == Main.INTERNAL) {
      check.problem("model bug (REPL)", text.lines().filter(l -> l.contains("error:")).findFirst().orElse(text));
    } else if (exit != Main.OK && exit != Main.FAILED && exit != Main.INVALID && exit != Main.INCOMPLETE) {
      check.problem("REPL exit code " + exit, text);
    }
    for (String line : text.lines().toList()) {
      if (line.contains(": error: ") && !line.startsWith(" ") && !ERROR_LINE.matcher(line).find()) {
        check.problem("a REPL error line of another form", line);
      }
    }
    var saved = SAVED.matcher(text);
    while (saved.find()) {
      check.outcome(":save " + saved.group(2));
      if (!saved.group(2).equals("passed")) {
        check.problem("a session :save wrote does not pass `run` (" + saved.group(2) + ")",
            text.substring(saved.start(), Math.min(text.length(), saved.end() + 600)));
      }
    }
  }

  // ------------------------------------------------------------------ command lines

  static final String[] FILES = {"good.tlbs", "latin1.tlbs", "binary.tlbs", "late-header.tlbs", "race.tlbs", "missing.tlbs",
      ".", "sb.litmus", "latin1.litmus"};
  static final String[] VALUES = {"0", "-1", "-5", "1", "2", "10", "600", "99999999999999999999", "9223372036854775807",
      "9223372036854775", "8796093022207", "8796093022208", "1.5", "abc", "", " 7", "+5", "0x10", "1_000", "1e3"};

  static Input commandLine(SplittableRandom r) {
    List<String> args = new ArrayList<>();
    String cmd = new String[] {"run", "run", "run", "compare", "litmus", "kernels", "barriers", "nothing"}[r.nextInt(8)];
    args.add(cmd);
    for (int n = r.nextInt(4); n > 0; n--) {
      switch (r.nextInt(9)) {
        case 0 -> args.addAll(List.of("--max-states", VALUES[r.nextInt(VALUES.length)]));
        case 1 -> args.addAll(List.of("--timeout", VALUES[r.nextInt(VALUES.length)]));
        case 2 -> args.addAll(List.of("--max-memory", VALUES[r.nextInt(VALUES.length)]));
        case 3 -> args.addAll(List.of("--kernel", r.nextBoolean() ? "all" : Models.knownNames().get(0)));
        case 4 -> args.addAll(List.of("--kernels", "v4.19,v4.20"));
        case 5 -> args.add(r.nextBoolean() ? "--fail-fast" : "--workers=" + VALUES[r.nextInt(VALUES.length)]);
        case 6 -> args.addAll(r.nextBoolean() ? List.of("--show", r.nextBoolean() ? "v4.20" : "v4")
            : List.of("--memory", r.nextBoolean() ? "sc" : "pso"));
        case 7 -> args.add(VALUES[r.nextInt(VALUES.length)]);
        default -> args.add("--trace");
      }
    }
    for (int n = r.nextInt(3); n > 0; n--) {
      String f = FILES[r.nextInt(FILES.length)];
      args.add(f.equals(".") ? WORK.toString() : WORK.resolve(f).toString());
    }
    return new Input(new byte[0], args);
  }

  static void runCommandLine(Input in, Check check) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int exit;
    try {
      exit = cmd.execute(in.args().toArray(new String[0]));
    } finally {
      ScenarioRun.limits(LIMITS); // run sets them from its options
    }
    check.outcome("exit " + exit);
    check.text("the command's output", out.toString());
    check.text("the command's errors", err.toString());
    if (exit == Main.INTERNAL) {
      check.problem("exit 4 from a command line", err.toString());
    }
  }

  // ------------------------------------------------------------------ the harness

  static void prepareFiles() throws IOException {
    Files.createDirectories(WORK);
    Files.writeString(WORK.resolve("good.tlbs"), "cpus 2\ncpu0 switch mm1\ncpu1 switch mm1\ncpu1 touch mm1 0x2000\n"
        + "cpu0 unmap mm1 0x2000\nassert stale none\n");
    Files.write(WORK.resolve("latin1.tlbs"), "cpu0 switch mm1 # \u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
    Files.write(WORK.resolve("binary.tlbs"), new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
    Files.writeString(WORK.resolve("late-header.tlbs"), "cpu0 switch mm1\npcid off\n");
    Files.writeString(WORK.resolve("race.tlbs"), "cpus 2\ncpu0 switch mm1\ncpu1 switch mm1\ncpu1 touch mm1 0x2000\n"
        + "together {\n  cpu0: unmap mm1 0x2000\n  cpu1: touch mm1 0x2000\n}\nassert stale none\n");
    Files.writeString(WORK.resolve("sb.litmus"), "X86 SB\n{}\n P0 | P1 ;\n MOV [x],$1 | MOV [y],$1 ;\n"
        + " MOV EAX,[y] | MOV EAX,[x] ;\nexists (0:EAX=0 /\\ 1:EAX=0)\n");
    Files.write(WORK.resolve("latin1.litmus"), "X86 SB\n\"\u00e9\"\n".getBytes(StandardCharsets.ISO_8859_1));
    Files.deleteIfExists(WORK.resolve("missing.tlbs"));
  }

  /** The seed of input {@code i} of a run seeded {@code seed}: inputs are independent, so any one replays alone. */
  static long seedOf(long seed, int i) {
    return new SplittableRandom(seed).split().nextLong() ^ (0x9E3779B97F4A7C15L * (i + 1));
  }

  static Kind kindOf(SplittableRandom r) {
    int total = KINDS.stream().mapToInt(Kind::weight).sum();
    int x = r.nextInt(total);
    for (Kind k : KINDS) {
      if ((x -= k.weight()) < 0) {
        return k;
      }
    }
    throw new AssertionError();
  }

  /** One input run, with a watchdog: a hang is a problem too. Null when the worker is lost to a hang. */
  private ExecutorService worker = newWorker();

  /** A daemon thread with the default stack, as the command line's: a deep input must not overflow it either. */
  private static ExecutorService newWorker() {
    return Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fuzz");
      t.setDaemon(true);
      return t;
    });
  }

  Check runOne(Kind kind, Input in, long timeoutSeconds) {
    Check check = new Check();
    Future<?> f = worker.submit(() -> {
      try {
        // what one input saved is not there for the next: each input replays alone
        for (int i = 0; i < 3; i++) {
          Files.deleteIfExists(WORK.resolve("saved" + i + ".tlbs"));
        }
        kind.runner().run(in, check);
      } catch (Throwable e) {
        check.problem("exception " + e.getClass().getName() + " at " + where(e), stackTrace(e));
      }
    });
    try {
      f.get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      worker.shutdownNow();
      worker = newWorker();
      check.problem("no answer within " + timeoutSeconds + " s", "");
      check.hung = true;
    } catch (Exception e) {
      check.problem("harness: " + e, "");
    }
    return check;
  }

  /**
   * How long an input may take before it counts as a hang: 30 s, and 10 s more per MB, since a
   * file of several MB under `kernel all` is parsed and checked once per model (a 6 MB one: 30 s).
   */
  static long deadline(Input in) {
    return 30 + 10L * in.bytes().length / (1 << 20);
  }

  static String where(Throwable e) {
    for (StackTraceElement s : e.getStackTrace()) {
      if (s.getClassName().startsWith("org.tlbscript") && !s.getClassName().contains("FuzzTest")) {
        return s.getClassName().replace("org.tlbscript.", "") + "." + s.getMethodName();
      }
    }
    return e.getStackTrace().length > 0 ? e.getStackTrace()[0].toString() : "?";
  }

  static String stackTrace(Throwable e) {
    StringWriter w = new StringWriter();
    e.printStackTrace(new PrintWriter(w));
    String s = w.toString();
    return s.length() > 3000 ? s.substring(0, 3000) + "\n..." : s;
  }

  /** A failing input made smaller while it fails the same way: whole lines first, then words. */
  Input minimize(Kind kind, Input in, String signature) {
    if (!kind.name().equals("cli") && in.bytes().length > 0) {
      long deadline = System.nanoTime() + 20_000_000_000L;
      byte[] b = in.bytes();
      for (byte sep : new byte[] {'\n', ' '}) {
        for (int chunk = Math.max(1, count(b, sep) / 2); chunk >= 1 && System.nanoTime() < deadline; chunk /= 2) {
          for (int at = 0; System.nanoTime() < deadline; ) {
            byte[] smaller = without(b, sep, at, chunk);
            if (smaller == null) {
              break;
            }
            // removing the empty piece after a final newline changes nothing: not progress
            if (smaller.length < b.length && fails(kind, new Input(smaller, in.args()), signature)) {
              b = smaller;
            } else {
              at += chunk;
            }
          }
        }
      }
      return new Input(b, in.args());
    }
    List<String> args = new ArrayList<>(in.args());
    for (int i = args.size() - 1; i >= 1; i--) {
      List<String> fewer = new ArrayList<>(args);
      fewer.remove(i);
      if (fails(kind, new Input(in.bytes(), fewer), signature)) {
        args = fewer;
      }
    }
    return new Input(in.bytes(), args);
  }

  private boolean fails(Kind kind, Input in, String signature) {
    return runOne(kind, in, deadline(in)).problems.stream().anyMatch(p -> p.signature().equals(signature));
  }

  private static int count(byte[] b, byte sep) {
    int n = 1;
    for (byte x : b) {
      n += x == sep ? 1 : 0;
    }
    return n;
  }

  /** {@code b} without pieces {@code at} to {@code at + n - 1} of those {@code sep} separates; null past the end. */
  private static byte[] without(byte[] b, byte sep, int at, int n) {
    List<int[]> pieces = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= b.length; i++) {
      if (i == b.length || b[i] == sep) {
        pieces.add(new int[] {start, Math.min(b.length, i + 1)});
        start = i + 1;
      }
    }
    if (at >= pieces.size()) {
      return null;
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < pieces.size(); i++) {
      if (i < at || i >= at + n) {
        out.write(b, pieces.get(i)[0], pieces.get(i)[1] - pieces.get(i)[0]);
      }
    }
    return out.toByteArray();
  }

  /** Java-string style, so that NULs, bad bytes and CRs survive the report. */
  static String escaped(byte[] b) {
    StringBuilder sb = new StringBuilder();
    String s = new String(b, StandardCharsets.ISO_8859_1);
    for (int i = 0; i < s.length() && sb.length() < 4000; i++) {
      char c = s.charAt(i);
      sb.append(c == '\n' ? "\\n\n" : c == '\t' ? "\\t" : c == '\\' ? "\\\\" : c < 0x20 || c >= 0x7f
          ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return sb.length() >= 4000 ? sb + "... (" + b.length + " bytes)" : sb.toString();
  }

  @Test
  void badInputIsAlwaysADiagnosticNeverAnInternalError() throws Exception {
    long seed = Long.getLong("tlbscript.seed", 1);
    int inputs = Integer.getInteger("tlbscript.fuzzInputs", 10_000);
    int from = Integer.getInteger("tlbscript.fuzzFrom", 0);
    prepareFiles();
    ScenarioRun.limits(LIMITS);
    /** signature → the first failing input's number, kind and input, and the problem. */
    record Found(int index, Kind kind, Input input, Problem problem) {}
    Map<String, Found> found = new LinkedHashMap<>();
    Map<String, int[]> perKind = new TreeMap<>();
    Map<String, Integer> outcomes = new TreeMap<>();
    long t0 = System.nanoTime();
    int ran = 0;
    try {
      for (int i = from; i < from + inputs; i++, ran++) {
        SplittableRandom r = new SplittableRandom(seedOf(seed, i));
        Kind kind = kindOf(r);
        Input in = kind.generate().apply(r);
        long t = System.nanoTime();
        Check check = runOne(kind, in, deadline(in));
        int[] k = perKind.computeIfAbsent(kind.name(), x -> new int[2]);
        k[0]++;
        k[1] += (int) ((System.nanoTime() - t) / 1_000_000);
        check.outcomes.forEach((o, n) -> outcomes.merge(kind.name() + " " + o, n, Integer::sum));
        if (Boolean.getBoolean("tlbscript.fuzzVerbose")) {
          System.out.println("---- input " + i + " (" + kind.name() + (in.args().isEmpty() ? "" : " " + in.args()) + "): "
              + (System.nanoTime() - t) / 1_000_000 + " ms " + check.outcomes.keySet() + " " + check.note + "\n"
              + escaped(in.bytes()));
        }
        for (Problem p : check.problems) {
          found.putIfAbsent(p.signature(), new Found(i, kind, in, p));
        }
        if (check.hung) {
          ran++;
          break; // its thread cannot be stopped and would slow or starve the inputs after it
        }
      }
    } finally {
      ScenarioRun.limits(Explorer.Limits.DEFAULT);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("FuzzTest: seed %d, inputs %d..%d: %d in %.1f s (%.0f inputs/s)%s; per kind (inputs, ms): %s%n"
        + "  outcomes: %s%n  problems: %d%n", seed, from, from + ran - 1, ran, secs, ran / secs,
        ran < inputs ? " (stopped by a hang)" : "",
        perKind.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()[0] + "/" + e.getValue()[1]).toList(),
        outcomes, found.size());
    if (found.isEmpty()) {
      return;
    }
    ScenarioRun.limits(LIMITS);
    if (Files.isDirectory(FAILURES)) {
      try (var old = Files.list(FAILURES)) {
        for (Path p : old.toList()) {
          Files.delete(p);
        }
      }
    }
    StringBuilder report = new StringBuilder(found.size() + " distinct problems (seed " + seed + "):\n");
    try {
      Files.createDirectories(FAILURES);
      int n = 0;
      for (Found f : found.values()) {
        // a hang is not made smaller: each try could hang too, and its thread cannot be stopped
        Input small = f.problem().signature().startsWith("no answer") ? f.input()
            : minimize(f.kind(), f.input(), f.problem().signature());
        String name = f.kind().name() + "-" + seed + "-" + f.index();
        Path file = FAILURES.resolve(name + "." + f.kind().ext());
        Files.write(file, f.kind().name().equals("cli") ? String.join("\n", small.args()).getBytes(StandardCharsets.UTF_8)
            : small.bytes());
        report.append("\n").append(++n).append(". ").append(f.problem().signature()).append("\n   input ").append(f.index())
            .append(" (").append(f.kind().name()).append("; alone: -Dtlbscript.seed=").append(seed)
            .append(" -Dtlbscript.fuzzFrom=").append(f.index()).append(" -Dtlbscript.fuzzInputs=1)\n   replay: ")
            .append(String.format(f.kind().replay(), file)).append("\n   smallest input")
            .append(small.args().isEmpty() ? "" : " " + small.args()).append(":\n")
            .append(escaped(small.bytes()).indent(6)).append("   what was seen:\n")
            .append((small == f.input() ? f.problem() : runOne(f.kind(), small, deadline(small)).problems.stream()
                .filter(p -> p.signature().equals(f.problem().signature())).findFirst().orElse(f.problem()))
                .detail().indent(6));
      }
    } finally {
      ScenarioRun.limits(Explorer.Limits.DEFAULT);
    }
    assertTrue(false, report.toString());
  }
}
