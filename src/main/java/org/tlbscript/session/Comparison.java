package org.tlbscript.session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongBiFunction;
import org.tlbscript.engine.Checkers;
import org.tlbscript.engine.Engine;
import org.tlbscript.engine.Observer;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Step;
import org.tlbscript.kernels.Vars;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Pos;
import org.tlbscript.lang.Source;

/**
 * One scenario file under several kernel models side by side ({@code tlbscript compare}): the
 * outcomes that matter per model, and for two models the first statement where they part.
 * Each model runs the file on its own fresh session (the file's `kernel` line is ignored);
 * nothing here prints, {@link #render} makes the text.
 */
public final class Comparison {
  private Comparison() {}

  /** The end of one model's run. Per-CPU arrays are indexed by CPU. */
  public record Row(String kernel, ScenarioRun.Status status, int outcomes, long[] ipis, long[] wokenIdle,
      long[] cr3, long[] fullFlushes, long[] invlpgs, long[] staleUses, long[] freedWalks,
      boolean staleNone, boolean freedWalkNone, List<Diagnostic> diagnostics) {}

  /** One step (or IPI / violation event) of a sequential action, as the trace shows it. */
  public record Move(String key, String shown) {}

  /** What one statement did under one model: its steps and the state after it. */
  record Snap(Ast.Stmt stmt, Outcome.Status status, List<Move> moves, Map<String, String> state,
      String problem) {}

  /**
   * Where two models first part. {@code stmt} is null when they never do. {@code index} is the
   * position of the first differing move (-1: the moves agree, only the state differs);
   * {@code common} how many moves agree before it.
   */
  public record Divergence(Ast.Stmt stmt, int common, String lastCommon, String a, String b,
      List<String> stateDiffs, Ast.Stmt stateStmt, List<String> laterStateDiffs) {}

  public record Result(Source source, int cpus, boolean together, List<Row> rows, Divergence divergence) {}

  /** Runs {@code source} under each model, in order; with exactly two, finds the first divergence. */
  public static Result compare(Source source, List<KernelModel> models) {
    List<Row> rows = new ArrayList<>();
    List<List<Snap>> snaps = new ArrayList<>();
    boolean[] together = {false};
    int cpus = 0;
    for (KernelModel model : models) {
      Recorder rec = new Recorder();
      ScenarioRun.Result r = ScenarioRun.runWatched(source, model, rec);
      snaps.add(rec.snaps);
      together[0] |= rec.snaps.stream().anyMatch(s -> s.stmt instanceof Ast.Together);
      if (rec.session == null) {
        rows.add(new Row(model.name, r.status(), 0, null, null, null, null, null, null, null, false, false,
            r.diagnostics()));
        continue;
      }
      Session s = rec.session;
      cpus = s.cpus();
      boolean staleNone = holds(s, source, Ast.Check.STALE_NONE);
      boolean freedNone = holds(s, source, Ast.Check.FREED_WALK_NONE);
      s.focus(0);
      Machine m = s.machine();
      Engine e = s.engine();
      rows.add(new Row(model.name, r.status(), s.worldCount(),
          perCpu(s, (c, x) -> m.ipisTaken(c)), perCpu(s, (c, x) -> e.wokenIdle(m, c)),
          perCpu(s, (c, x) -> m.cr3Writes(c)), perCpu(s, (c, x) -> m.fullFlushes(c)),
          perCpu(s, (c, x) -> m.invlpgs(c)), perCpu(s, (c, x) -> e.staleUses(m, c)),
          perCpu(s, (c, x) -> e.freedWalks(m, c)), staleNone, freedNone, r.diagnostics()));
    }
    Divergence d = models.size() == 2 ? diverge(snaps.get(0), snaps.get(1)) : null;
    return new Result(source, cpus, together[0], rows, d);
  }

  private static long[] perCpu(Session s, ToLongBiFunction<Integer, Void> f) {
    long[] out = new long[s.cpus()];
    for (int c = 0; c < out.length; c++) {
      out[c] = f.applyAsLong(c, null);
    }
    return out;
  }

  /** Whether {@code assert stale none} / {@code freed-walk none} would hold now (in every outcome). */
  private static boolean holds(Session s, Source source, Ast.Check check) {
    Ast.Assert a = new Ast.Assert(Pos.at(source, 1, 1), check, null, null, null, null, List.of());
    return s.execute(a).status() == Outcome.Status.OK;
  }

  /** Watches one run: the session, then each statement's moves and the state after it. */
  private static final class Recorder implements ScenarioRun.Watcher, Observer {
    Session session;
    final List<Snap> snaps = new ArrayList<>();
    private List<Move> moves = new ArrayList<>();

    @Override
    public void started(Session s) {
      session = s;
      s.listen(this);
    }

    @Override
    public void executed(Ast.Stmt stmt, Outcome o) {
      List<Move> taken = moves;
      moves = new ArrayList<>();
      if (!(stmt instanceof Ast.Action || stmt instanceof Ast.Together || stmt instanceof Ast.Control)) {
        return; // headers, assertions, shows: no effect on the machine
      }
      String problem = o.diagnostic() == null || o.status() == Outcome.Status.OK ? null
          : o.status().name().toLowerCase().replace('_', ' ') + ": " + o.diagnostic().message();
      snaps.add(new Snap(stmt, o.status(), taken, state(session), problem));
    }

    @Override
    public void step(int cpu, Routine routine, Step step, String notes) {
      String where = "cpu" + cpu + " " + step.function() + ":" + step.label();
      moves.add(new Move(where + "|" + notes, where + "  " + step.text()
          + (notes.isEmpty() ? "" : "  ↳ " + notes)));
    }

    @Override
    public void event(Observer.Event e) {
      if (e.kind() == Observer.Event.Kind.MODEL_BUG) {
        return;
      }
      String shown = (e.kind() == Observer.Event.Kind.IPI ? "⚡ " : "✗ ") + e.message();
      moves.add(new Move(e.kind() + "|" + e.message(), shown));
    }
  }

  /** The state a kernel developer would compare, item by item (world 1 after a together block). */
  static Map<String, String> state(Session s) {
    Map<String, String> out = new LinkedHashMap<>();
    if (s.worldCount() > 1) {
      out.put("outcomes", String.valueOf(s.worldCount()));
    }
    s.focus(0);
    Machine m = s.machine();
    Engine e = s.engine();
    for (int c = 0; c < s.cpus(); c++) {
      String p = "cpu" + c + " ";
      out.put(p + "loaded_mm", s.mmName(s.loadedMm(c)));
      out.put(p + "is_lazy", s.lazy(c) ? "1" : "0");
      out.put(p + "loaded_mm_asid", String.valueOf(m.reg(c, Vars.LOADED_MM_ASID)));
      out.put(p + "IPIs taken", String.valueOf(m.ipisTaken(c)));
      out.put(p + "IPIs taken while idle", String.valueOf(e.wokenIdle(m, c)));
      out.put(p + "CR3 writes", String.valueOf(m.cr3Writes(c)));
      out.put(p + "full flushes", String.valueOf(m.fullFlushes(c)));
      out.put(p + "INVLPGs", String.valueOf(m.invlpgs(c)));
      out.put(p + "stale uses", String.valueOf(e.staleUses(m, c)));
      out.put(p + "freed walks", String.valueOf(e.freedWalks(m, c)));
    }
    for (String mm : s.mmNames()) {
      int i = s.mmNames().indexOf(mm);
      out.put("mm_cpumask(" + mm + ")", Engine.cpuSet(s.cpumask(i)));
      out.put(mm + ".tlb_gen", String.valueOf(s.tlbGen(i)));
    }
    for (Checkers.Stale st : s.checkers().staleEntries(m)) {
      String k = "cpu" + st.cpu() + " entry 0x" + Long.toHexString(st.va()) + " ASID " + st.asid();
      out.put(k, st.usable() && st.covered() ? "usable stale" : st.usable() ? "usable, change not yet flushed"
          : "latent");
    }
    return out;
  }

  static Divergence diverge(List<Snap> a, List<Snap> b) {
    int n = Math.min(a.size(), b.size());
    Divergence path = null;
    for (int i = 0; i < n && path == null; i++) {
      Snap x = a.get(i);
      Snap y = b.get(i);
      List<String> sd = stateDiffs(x, y);
      int k = 0;
      while (k < x.moves.size() && k < y.moves.size() && x.moves.get(k).key().equals(y.moves.get(k).key())) {
        k++;
      }
      boolean movesDiffer = k < x.moves.size() || k < y.moves.size();
      if (movesDiffer || !sd.isEmpty() || x.status != y.status) {
        String last = k == 0 ? null : x.moves.get(k - 1).shown();
        path = new Divergence(x.stmt, movesDiffer ? k : -1, last, describe(x, k), describe(y, k), sd,
            null, List.of());
        if (sd.isEmpty()) {
          // the kernels ran differently but reached the same state: say where the state first differs
          for (int j = i + 1; j < n; j++) {
            List<String> later = stateDiffs(a.get(j), b.get(j));
            if (!later.isEmpty()) {
              return new Divergence(x.stmt, path.common(), last, path.a(), path.b(), sd, a.get(j).stmt, later);
            }
          }
        }
      }
    }
    if (path == null && a.size() != b.size()) {
      Snap more = a.size() > b.size() ? a.get(n) : b.get(n);
      return new Divergence(more.stmt, -1, null, a.size() > n ? "ran it" : "had stopped",
          b.size() > n ? "ran it" : "had stopped", List.of(), null, List.of());
    }
    return path;
  }

  private static String describe(Snap s, int k) {
    if (s.problem != null && k >= s.moves.size()) {
      return s.problem;
    }
    if (k < s.moves.size()) {
      return s.moves.get(k).shown();
    }
    return s.moves.isEmpty() ? "(no kernel step)" : "(no further step: the action is complete)";
  }

  private static List<String> stateDiffs(Snap x, Snap y) {
    List<String> out = new ArrayList<>();
    java.util.Set<String> keys = new java.util.LinkedHashSet<>(x.state.keySet());
    keys.addAll(y.state.keySet());
    for (String k : keys) {
      String u = x.state.getOrDefault(k, "-");
      String v = y.state.getOrDefault(k, "-");
      if (!u.equals(v)) {
        out.add(k + ": " + u + " vs " + v);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ text

  /** The table, then (for two models) the first divergence. */
  public static String render(Result r) {
    StringBuilder sb = new StringBuilder();
    String cpuCols = cpuHeader(r.cpus);
    sb.append("compare ").append(r.source.name()).append(": per-CPU columns are ").append(cpuCols).append('\n');
    if (r.together) {
      sb.append("(the file has together blocks: the counters are those of the first outcome; "
          + "the outcomes column says how many there are)\n");
    }
    List<String[]> table = new ArrayList<>();
    table.add(new String[] {"kernel", "status", "IPIs", "woken idle", "CR3 writes", "full flushes", "INVLPGs",
        "stale uses", "freed walks", "stale none", "freed-walk none", "outcomes"});
    for (Row row : r.rows) {
      if (row.ipis == null) {
        table.add(new String[] {row.kernel, row.status.word, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"});
        continue;
      }
      table.add(new String[] {row.kernel, row.status.word, join(row.ipis), join(row.wokenIdle),
          join(row.cr3), join(row.fullFlushes), join(row.invlpgs), join(row.staleUses), join(row.freedWalks),
          row.staleNone ? "holds" : "FAILS", row.freedWalkNone ? "holds" : "FAILS",
          String.valueOf(row.outcomes)});
    }
    int[] w = new int[table.get(0).length];
    for (String[] t : table) {
      for (int i = 0; i < t.length; i++) {
        w[i] = Math.max(w[i], t[i].length());
      }
    }
    for (String[] t : table) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < t.length; i++) {
        line.append(i == 0 ? "" : "  ").append(String.format("%-" + w[i] + "s", t[i]));
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    if (r.rows.size() == 2) {
      sb.append('\n').append(renderDivergence(r));
    }
    return sb.toString();
  }

  private static String renderDivergence(Result r) {
    Divergence d = r.divergence;
    String a = r.rows.get(0).kernel;
    String b = r.rows.get(1).kernel;
    if (d == null) {
      return "no divergence: " + a + " and " + b + " take the same steps and reach the same state"
          + " after every statement\n";
    }
    StringBuilder sb = new StringBuilder();
    sb.append("first divergence: ").append(where(r.source, d.stmt)).append('\n');
    if (d.common >= 0) {
      sb.append("  after ").append(d.common).append(" common step").append(d.common == 1 ? "" : "s")
          .append(d.lastCommon == null ? "" : " (last: " + d.lastCommon + ")").append('\n');
      int pad = Math.max(a.length(), b.length());
      sb.append("  ").append(String.format("%-" + pad + "s", a)).append(": ").append(d.a).append('\n');
      sb.append("  ").append(String.format("%-" + pad + "s", b)).append(": ").append(d.b).append('\n');
    } else if (d.stateDiffs.isEmpty()) {
      sb.append("  ").append(a).append(' ').append(d.a).append(", ").append(b).append(' ').append(d.b).append('\n');
    } else {
      sb.append("  the same kernel steps, but another state (").append(a).append(" vs ").append(b).append(")\n");
    }
    if (!d.stateDiffs.isEmpty()) {
      sb.append("  state after it (").append(a).append(" vs ").append(b).append("):\n");
      appendDiffs(sb, d.stateDiffs);
    } else if (d.stateStmt != null) {
      sb.append("  the state is the same after it; it first differs after ").append(where(r.source, d.stateStmt))
          .append(" (").append(a).append(" vs ").append(b).append("):\n");
      appendDiffs(sb, d.laterStateDiffs);
    } else if (d.common >= 0) {
      sb.append("  the state is the same after it and after every later statement\n");
    }
    return sb.toString();
  }

  private static void appendDiffs(StringBuilder sb, List<String> diffs) {
    int shown = Math.min(diffs.size(), 8);
    for (int i = 0; i < shown; i++) {
      sb.append("    ").append(diffs.get(i)).append('\n');
    }
    if (diffs.size() > shown) {
      sb.append("    … and ").append(diffs.size() - shown).append(" more\n");
    }
  }

  private static String where(Source src, Ast.Stmt s) {
    return src.name() + ":" + s.pos().line() + ": " + s.toSource();
  }

  private static String cpuHeader(int cpus) {
    StringBuilder sb = new StringBuilder();
    for (int c = 0; c < cpus; c++) {
      sb.append(c == 0 ? "" : "/").append("cpu").append(c);
    }
    return sb.toString();
  }

  private static String join(long[] v) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < v.length; i++) {
      sb.append(i == 0 ? "" : "/").append(v[i]);
    }
    return sb.toString();
  }
}
