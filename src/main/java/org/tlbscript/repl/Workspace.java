package org.tlbscript.repl;

import java.util.ArrayList;
import java.util.List;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Models;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Step;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Checker;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Parser;
import org.tlbscript.lang.Source;
import org.tlbscript.session.Outcome;
import org.tlbscript.session.Session;

/**
 * What the REPL has built: the accepted statements and the session they lead to. A statement
 * is accepted only if it ran without error. The machine is rebuilt by replaying the accepted
 * statements whenever the layout (CPUs, mms, pages, header) or the kernel model changes, so the
 * state is always that of the whole session. Errors are returned as rendered text, never thrown.
 */
final class Workspace {
  private final List<Ast.Stmt> accepted = new ArrayList<>();
  private Session session;
  private String kernelOverride;
  private boolean tracing;
  /** Bounds, progress line and stop request for the sessions' explorations. */
  private org.tlbscript.engine.Explorer.Limits limits = org.tlbscript.engine.Explorer.Limits.DEFAULT;
  /** The worst batch exit code so far (0 ok, 1 assertion failed, 3 invalid, 4 model bug, 5 incomplete). */
  private int exit;

  Workspace(String kernel) {
    this.kernelOverride = kernel;
  }

  void limits(org.tlbscript.engine.Explorer.Limits l) {
    limits = l;
    if (session != null) {
      session.limits(l);
    }
  }

  /** A new session with this workspace's limits. */
  private Session newSession(KernelModel model, Checker.Setup setup) {
    Session s = new Session(model, setup);
    s.limits(limits);
    return s;
  }

  int exit() {
    return exit;
  }

  void noteExit(int code) {
    exit = Math.max(exit, code);
  }

  List<Ast.Stmt> accepted() {
    return List.copyOf(accepted);
  }

  /** The session, or null before the first statement. */
  Session session() {
    return session;
  }

  boolean tracing() {
    return tracing;
  }

  /** The model the session runs: --kernel or :kernel, else the typed `kernel` line, else the default. */
  String kernel() {
    if (kernelOverride != null) {
      return kernelOverride;
    }
    for (Ast.Stmt s : accepted) {
      if (s instanceof Ast.Header h && h.kind() == Ast.HeaderKind.KERNEL) {
        return h.word();
      }
    }
    return Models.DEFAULT;
  }

  /** Whether {@code text} stops inside a statement (an open together block): read more lines. */
  static boolean incomplete(String text) {
    return !text.strip().startsWith(":") && Parser.parse(new Source("<input>", text + "\n")).incomplete();
  }

  // ------------------------------------------------------------------ names for completion

  List<String> cpuNames() {
    int n = session != null ? session.cpus() : 2;
    List<String> out = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      out.add("cpu" + c);
    }
    return out;
  }

  List<String> mmNames() {
    List<String> out = new ArrayList<>(session != null ? session.mmNames() : List.of("mm1"));
    out.remove("init_mm");
    return out;
  }

  /** The step labels of the current model. */
  List<String> labels() {
    List<String> out = new ArrayList<>();
    Models.find(kernel()).ifPresent(m -> {
      for (Routine r : m.routines()) {
        for (Step st : r.steps) {
          if (!out.contains(st.label())) {
            out.add(st.label());
          }
        }
      }
    });
    return out;
  }

  // ------------------------------------------------------------------ running statements

  /**
   * Parses and runs {@code text} (first line {@code line}); kept only if all of it ran. A bug of
   * ours is reported (exit code 4) and the session goes on from the statements kept before it.
   */
  String eval(String sourceName, String text, int line) {
    try {
      return evalOrThrow(sourceName, text, line);
    } catch (RuntimeException e) {
      noteExit(4);
      rebuild();
      return "error: internal error: " + e + "\n  not kept; please report it with the session (:save FILE)\n";
    }
  }

  private String evalOrThrow(String sourceName, String text, int line) {
    // numbered from where it was typed: <stdin>:8:6 (padding with newlines made long sessions quadratic)
    Source source = new Source(sourceName, text, Math.max(1, line));
    Parser.Result parsed = Parser.parse(source);
    if (!parsed.ok()) {
      return fail(parsed.diagnostics(), 3);
    }
    return run(parsed.statements(), true);
  }

  /**
   * Runs {@code stmts} after the accepted ones. With {@code atomic}, a failure drops all of them;
   * otherwise those before the failure are kept (loading a file).
   */
  String run(List<Ast.Stmt> stmts, boolean atomic) {
    List<Ast.Stmt> all = new ArrayList<>(accepted);
    all.addAll(stmts);
    Checker.Result checked = Checker.check(all, Models.knownNames(), Workspace::lateHeaderHint);
    if (!checked.ok()) {
      return fail(checked.diagnostics(), 3);
    }
    String kernel = kernelFor(checked.setup());
    if (kernel == null) {
      return fail(List.of(new Diagnostic(stmts.get(0).pos(), "the REPL runs one kernel model at a time", ONE_MODEL)), 3);
    }
    if (session == null || !session.model.name.equals(kernel) || !sameLayout(session.setup, checked.setup())) {
      session = replay(accepted, checked.setup(), Models.find(kernel).orElseThrow(), null);
    }
    StringBuilder out = new StringBuilder();
    int done = 0;
    for (Ast.Stmt s : stmts) {
      Outcome o = session.execute(s);
      tracing = session.tracing();
      out.append(o.output());
      if (o.diagnostic() != null) {
        if (!atomic) {
          accepted.addAll(keep(stmts.subList(0, done)));
        }
        if ((atomic && done > 0) || session.worldCount() > 1) {
          rebuild(); // undo what ran of this input (and any half-updated outcomes)
        }
        return out + fail(List.of(o.diagnostic()), code(o.status()));
      }
      done++;
    }
    accepted.addAll(keep(stmts));
    return out.toString();
  }

  private static final String ONE_MODEL = "`:kernel NAME` switches models; `tlbscript run` runs `kernel all`";

  /**
   * A header typed after statements have run is an error, as in a file: applying it would
   * change what they ran on, and `:save` would write a file that `tlbscript run` rejects. The
   * session's commands are the way to another header.
   */
  private static String lateHeaderHint(Ast.Header h, Ast.Stmt first) {
    if (h.kind() == Ast.HeaderKind.KERNEL) {
      return Checker.ALL.equals(h.word()) ? ONE_MODEL : "`:kernel " + h.word() + "` replays the session under " + h.word();
    }
    return "header lines (" + Checker.HEADER_WORDS + ") come before the first statement that runs: `:reset` "
        + "starts over, then type `" + h.toSource() + "` first (`:save FILE` keeps this session to edit)";
  }

  private static List<Ast.Stmt> keep(List<Ast.Stmt> stmts) {
    // shows and trace switches change nothing: not part of the scenario
    return stmts.stream().filter(s -> !(s instanceof Ast.Show) && !(s instanceof Ast.TraceSwitch)).toList();
  }

  static int code(Outcome.Status status) {
    return switch (status) {
      case ASSERTION_FAILED -> 1;
      case MODEL_BUG -> 4;
      case INCOMPLETE, STOPPED -> 5;
      default -> 3;
    };
  }

  /** The model name for {@code setup}, or null for `kernel all`. */
  private String kernelFor(Checker.Setup setup) {
    String k = kernelOverride != null ? kernelOverride : setup.kernel() != null ? setup.kernel() : Models.DEFAULT;
    return Checker.ALL.equals(k) ? null : k;
  }

  /** A fresh session on {@code model} with {@code stmts} run silently; failures go to {@code failed}. */
  private Session replay(List<Ast.Stmt> stmts, Checker.Setup setup, KernelModel model, List<Outcome> failed) {
    Session s = newSession(model, setup);
    s.trace(false);
    for (Ast.Stmt st : stmts) {
      Outcome o = s.execute(st);
      if (failed != null && o.diagnostic() != null) {
        failed.add(o);
      }
    }
    s.trace(tracing);
    return s;
  }

  /** Rebuilds the session from the accepted statements. */
  private void rebuild() {
    if (accepted.isEmpty()) {
      session = null;
      if (tracing) {
        session = newSession(Models.find(kernel()).orElseThrow(), Checker.check(List.of(), Models.knownNames()).setup());
        session.trace(true);
      }
      return;
    }
    Checker.Result checked = Checker.check(accepted, Models.knownNames());
    session = replay(accepted, checked.setup(), Models.find(kernel()).orElseThrow(), null);
  }

  private static boolean sameLayout(Checker.Setup a, Checker.Setup b) {
    return a.cpuCount() == b.cpuCount() && a.mms().equals(b.mms()) && sameRanges(a.defaultRanges(), b.defaultRanges())
        && java.util.Arrays.equals(a.pages(), b.pages()) && java.util.Objects.equals(a.pcid(), b.pcid())
        && java.util.Objects.equals(a.ceiling(), b.ceiling()) && a.tso() == b.tso()
        && a.speculate() == b.speculate();
  }

  /** The pages `flush mmX range` covers, per mm: a page named in a new mm changes them, not the pages. */
  private static boolean sameRanges(java.util.Map<String, long[]> a, java.util.Map<String, long[]> b) {
    return a.keySet().equals(b.keySet()) && a.keySet().stream().allMatch(k -> java.util.Arrays.equals(a.get(k), b.get(k)));
  }

  String fail(List<Diagnostic> diagnostics, int code) {
    noteExit(code);
    StringBuilder sb = new StringBuilder();
    diagnostics.forEach(d -> sb.append(d.render()));
    return sb.toString();
  }

  /** An error not tied to input text (a command's). */
  String error(String message) {
    noteExit(3);
    return "error: " + Diagnostic.visible(message) + "\n";
  }

  // ------------------------------------------------------------------ commands' operations

  /** Drops the last {@code n} accepted statements and replays the rest; returns them. */
  List<Ast.Stmt> undo(int n) {
    int from = Math.max(0, accepted.size() - n);
    List<Ast.Stmt> dropped = new ArrayList<>(accepted.subList(from, accepted.size()));
    accepted.subList(from, accepted.size()).clear();
    rebuild();
    return dropped;
  }

  void reset() {
    accepted.clear();
    session = null;
  }

  void trace(boolean on) {
    tracing = on;
    if (session != null) {
      session.trace(on);
    }
  }

  /** Per-CPU counters of the current state: ipis, cr3 writes, full flushes, invlpgs. */
  private static long[][] counters(Session s) {
    long[][] out = new long[s == null ? 0 : s.cpus()][];
    for (int c = 0; c < out.length; c++) {
      var m = s.machine();
      out[c] = new long[] {m.ipisTaken(c), m.cr3Writes(c), m.fullFlushes(c), m.invlpgs(c)};
    }
    return out;
  }

  /**
   * Switches to model {@code name}: replays everything under it and describes what changed.
   * Statements that no longer hold (assertions, actions that cannot run) are dropped.
   */
  String switchKernel(String name) {
    KernelModel model = Models.find(name).orElse(null);
    if (model == null) {
      return error("unknown kernel model '" + name + "'" + org.tlbscript.lang.Suggest.closest(name, Models.knownNames())
          .map(w -> " (did you mean '" + w + "'?)").orElse("; `tlbscript kernels` lists them"));
    }
    String before = kernel();
    kernelOverride = name;
    if (accepted.isEmpty()) {
      session = null;
      return "kernel " + name + " (was " + before + ")\n";
    }
    long[][] old = counters(session);
    Checker.Result checked = Checker.check(accepted, Models.knownNames());
    Session next = newSession(model, checked.setup());
    next.trace(false);
    List<Ast.Stmt> kept = new ArrayList<>();
    StringBuilder dropped = new StringBuilder();
    for (Ast.Stmt s : accepted) {
      Outcome o = next.execute(s);
      if (o.diagnostic() == null) {
        kept.add(s);
      } else {
        dropped.append("  ").append(s.toSource().replace("\n", "\n  ")).append("\n    ")
            .append(o.status() == Outcome.Status.ASSERTION_FAILED ? "now fails: " : "cannot run: ")
            .append(o.diagnostic().message().replace("\n", " ")).append('\n');
      }
    }
    next.trace(tracing);
    session = next;
    accepted.clear();
    accepted.addAll(kept);
    long[][] now = counters(next);
    StringBuilder out = new StringBuilder();
    out.append("kernel ").append(name).append(" (was ").append(before).append("), ")
        .append(accepted.size()).append(" statements replayed\n");
    boolean differs = false;
    String[] what = {"ipis", "cr3 writes", "full flushes", "invlpg"};
    StringBuilder table = new StringBuilder(String.format("  %-6s %-14s %-14s %-14s %s%n", "", what[0], what[1], what[2], what[3]));
    for (int c = 0; c < now.length; c++) {
      StringBuilder row = new StringBuilder(String.format("  %-6s", "cpu" + c));
      for (int k = 0; k < 4; k++) {
        long a = c < old.length ? old[c][k] : 0;
        long b = now[c][k];
        differs |= a != b;
        row.append(String.format(" %-14s", a == b ? String.valueOf(b) : a + " → " + b));
      }
      table.append(row.toString().stripTrailing()).append('\n');
    }
    out.append(differs ? table : "  no difference in IPIs, CR3 writes or flushes\n");
    if (!dropped.isEmpty()) {
      out.append("dropped from the session:\n").append(dropped);
    }
    return out.toString();
  }

  /** The scenario text of the session: a kernel line, then the accepted statements. */
  String scenario(boolean withAssertions) {
    StringBuilder sb = new StringBuilder("# saved by tlbscript repl\nkernel ").append(kernel()).append('\n');
    for (Ast.Stmt s : accepted) {
      if (!(s instanceof Ast.Header h && h.kind() == Ast.HeaderKind.KERNEL)) {
        sb.append(s.toSource()).append('\n');
      }
    }
    if (withAssertions && session != null) {
      sb.append("# assertions that held when saved\n");
      for (String a : assertionsThatHold()) {
        sb.append(a).append('\n');
      }
    }
    return sb.toString();
  }

  /** Per CPU ipis, cr3, loaded, lazy; stale none; each checked against the session. */
  private List<String> assertionsThatHold() {
    List<String> candidates = new ArrayList<>();
    var m = session.machine();
    for (int c = 0; c < session.cpus(); c++) {
      String cpu = "cpu" + c;
      candidates.add("assert ipis " + cpu + " " + m.ipisTaken(c));
      candidates.add("assert cr3 " + cpu + " " + m.cr3Writes(c));
      candidates.add("assert " + cpu + " loaded " + session.mmName(session.loadedMm(c)));
      candidates.add("assert " + cpu + (session.lazyMode(c) ? " lazy" : " not lazy"));
    }
    candidates.add("assert stale none");
    candidates.add("assert freed-walk none");
    List<String> out = new ArrayList<>();
    for (String a : candidates) {
      Parser.Result p = Parser.parse(new Source("<save>", a));
      if (p.ok() && session.execute(p.statements().get(0)).status() == Outcome.Status.OK) {
        out.add(a);
      }
    }
    return out;
  }

}
