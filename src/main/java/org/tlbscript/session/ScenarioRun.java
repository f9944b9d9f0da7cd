package org.tlbscript.session;

import java.util.ArrayList;
import java.util.List;
import org.tlbscript.engine.Explorer.Limits;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Checker;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Parser;
import org.tlbscript.lang.Source;

/** One scenario file run from start to end on a fresh model: parse, check, execute. */
public final class ScenarioRun {
  private ScenarioRun() {}

  public enum Status {
    PASSED("PASS"), FAILED("FAIL"), INVALID("INVALID"), MODEL_BUG("MODEL BUG"), INCOMPLETE("INCOMPLETE");

    /** How a report names it: PASS, FAIL, INVALID, MODEL BUG, INCOMPLETE. */
    public final String word;

    Status(String word) {
      this.word = word;
    }
  }

  /** Bounds for together blocks where the caller gives none (tests narrow them). */
  private static volatile Limits limits = Limits.DEFAULT;

  public static void limits(Limits l) {
    limits = l;
  }

  /** The verdict, the output (trace, shows) and every diagnostic, in order. */
  public record Result(String name, Status status, String output, List<Diagnostic> diagnostics,
      String kernel, long nanos) {}

  /**
   * Runs {@code source}. {@code kernelOverride} (may be null) replaces the file's `kernel` line.
   */
  public static Result run(Source source, String kernelOverride, boolean trace) {
    return run(source, kernelOverride, null, trace, null, limits);
  }

  /**
   * Runs {@code source} under each model it asks for: every model when its header (or
   * {@code kernelOverride}) is `all`, else one. Results are named "file [model]" when there are
   * several.
   */
  public static List<Result> runAll(Source source, String kernelOverride, boolean trace) {
    return runAll(source, kernelOverride, trace, limits);
  }

  /** As {@link #runAll(Source, String, boolean)}, its together blocks bounded by {@code bounds}. */
  public static List<Result> runAll(Source source, String kernelOverride, boolean trace, Limits bounds) {
    String kernel = kernelOverride != null ? kernelOverride : headerKernel(source);
    if (!Checker.ALL.equals(kernel)) {
      return List.of(run(source, kernelOverride, null, trace, null, bounds));
    }
    List<Result> out = new ArrayList<>();
    for (KernelModel m : Models.all()) {
      Result r = run(source, null, m, trace, null, bounds);
      out.add(new Result(source.name() + " [" + m.name + "]", r.status, r.output, r.diagnostics,
          r.kernel, r.nanos));
    }
    return out;
  }

  /** The file's `kernel` line, if it parses. */
  private static String headerKernel(Source source) {
    Parser.Result parsed = Parser.parse(source);
    for (Ast.Stmt s : parsed.statements()) {
      if (s instanceof Ast.Header h && h.kind() == Ast.HeaderKind.KERNEL) {
        return h.word();
      }
    }
    return null;
  }

  /** Runs {@code source} on {@code model} whatever its `kernel` line says (for patched models). */
  public static Result runOn(Source source, KernelModel model, boolean trace) {
    return run(source, null, model, trace, null, limits);
  }

  /** Watches a run statement by statement (used by {@link Comparison}). */
  interface Watcher {
    /** The session was made, before the first statement. */
    void started(Session session);

    /** {@code stmt} ran with outcome {@code o}. */
    void executed(Ast.Stmt stmt, Outcome o);
  }

  /** As {@link #runOn}, with {@code watcher} told of the session and of each statement. */
  static Result runWatched(Source source, KernelModel model, Watcher watcher) {
    return run(source, null, model, false, watcher, limits);
  }

  private static Result run(Source source, String kernelOverride, KernelModel model, boolean trace,
      Watcher watcher, Limits bounds) {
    long t0 = System.nanoTime();
    Result r = execute(source, kernelOverride, model, trace, watcher, bounds);
    List<String> expected = expectedErrors(source);
    if (expected.isEmpty()) {
      return new Result(r.name, r.status, r.output, r.diagnostics, r.kernel, System.nanoTime() - t0);
    }
    return checkExpected(r, expected, System.nanoTime() - t0);
  }

  /**
   * A file that must fail says so in comments, one per expected diagnostic:
   * {@code # expect-error: 4:9: unknown mm 'mm3'} (line:col, then a part of the message). It
   * passes when exactly those diagnostics occur.
   */
  static List<String> expectedErrors(Source source) {
    List<String> out = new ArrayList<>();
    for (String line : source.lines()) {
      int i = line.indexOf("# expect-error:");
      if (i >= 0) {
        out.add(line.substring(i + "# expect-error:".length()).trim());
      }
    }
    return out;
  }

  private static Result checkExpected(Result r, List<String> expected, long nanos) {
    List<Diagnostic> unmatched = new ArrayList<>(r.diagnostics);
    List<Diagnostic> problems = new ArrayList<>();
    for (String e : expected) {
      int colon2 = e.indexOf(':', e.indexOf(':') + 1);
      String where = colon2 < 0 ? e : e.substring(0, colon2);
      String text = colon2 < 0 ? "" : e.substring(colon2 + 1).trim();
      Diagnostic hit = unmatched.stream()
          .filter(d -> (d.pos().line() + ":" + d.pos().col()).equals(where)
              && (d.message() + (d.hint() == null ? "" : " " + d.hint())).contains(text))
          .findFirst().orElse(null);
      if (hit != null) {
        unmatched.remove(hit);
      } else {
        problems.add(new Diagnostic(org.tlbscript.lang.Pos.at(new Source(r.name, ""), 1, 1),
            "expected error " + e + " did not occur"));
      }
    }
    for (Diagnostic d : unmatched) {
      problems.add(new Diagnostic(d.pos(), "unexpected error: " + d.message(), d.hint()));
    }
    return problems.isEmpty()
        ? new Result(r.name, Status.PASSED, r.output, List.of(), r.kernel, nanos)
        : new Result(r.name, Status.FAILED, r.output, problems, r.kernel, nanos);
  }

  private static Result execute(Source source, String kernelOverride, KernelModel override,
      boolean trace, Watcher watcher, Limits bounds) {
    long t0 = System.nanoTime();
    Parser.Result parsed = Parser.parse(source);
    Checker.Result checked = Checker.check(parsed.statements(), Models.knownNames());
    if (!parsed.ok() || !checked.ok()) {
      List<Diagnostic> all = new ArrayList<>(parsed.diagnostics());
      all.addAll(checked.diagnostics());
      all.sort(java.util.Comparator.comparingInt((Diagnostic d) -> d.pos().line())
          .thenComparingInt(d -> d.pos().col()));
      return new Result(source.name(), Status.INVALID, "", all, null, System.nanoTime() - t0);
    }
    String kernel = override != null ? override.name : kernelOverride != null ? kernelOverride
        : checked.setup().kernel() != null && !Checker.ALL.equals(checked.setup().kernel())
            ? checked.setup().kernel() : Models.DEFAULT;
    KernelModel model = override != null ? override : Models.find(kernel).orElseThrow();
    // a watcher (compare, tests) may look at any counter; a plain run only at those it asserts
    Session session = watcher != null ? new Session(model, checked.setup())
        : new Session(model, checked.setup(), Session.countersReadBy(parsed.statements()));
    session.trace(trace);
    session.limits(bounds);
    if (watcher != null) {
      watcher.started(session);
    }
    StringBuilder out = new StringBuilder();
    List<Diagnostic> diagnostics = new ArrayList<>();
    Status status = Status.PASSED;
    for (Ast.Stmt s : parsed.statements()) {
      Outcome o = session.execute(s);
      if (watcher != null) {
        watcher.executed(s, o);
      }
      out.append(o.output());
      if (o.diagnostic() != null) {
        diagnostics.add(o.diagnostic());
      }
      switch (o.status()) {
        case ASSERTION_FAILED -> status = Status.FAILED; // a violation found is real, bounds or not
        case INVALID -> status = Status.INVALID;
        case MODEL_BUG -> status = Status.MODEL_BUG;
        case INCOMPLETE, STOPPED -> status = status == Status.FAILED ? status : Status.INCOMPLETE;
        default -> { }
      }
      if (o.stopsRun()) {
        break;
      }
    }
    return new Result(source.name(), status, out.toString(), diagnostics, kernel, System.nanoTime() - t0);
  }
}
