package org.tlbscript.session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tlbscript.engine.Engine;
import org.tlbscript.engine.Explorer;
import org.tlbscript.engine.ModelBug;
import org.tlbscript.engine.Moves;
import org.tlbscript.engine.Observer;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Step;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Ast.Assert;
import org.tlbscript.lang.Diagnostic;

/**
 * Together blocks: explore every interleaving from each current state, keep the outcomes, judge
 * assertions over them (Always / Sometimes / Never), and explain a verdict with a shortest
 * interleaving, as a timeline and as a script of manual steps that `tlbscript run` replays.
 */
final class Races {
  private Races() {}

  /** The entry routine and arguments an action starts. */
  record Start(Routine routine, long[] args) {}

  /** One possible state, and how it was reached (null: without a together block). */
  record World(Machine machine, Witness witness) {}

  /**
   * A path through a block: the exploration, the state reached, the block's start state and
   * lanes, the witness of the state the block started from, and where the block sits in the
   * session's history.
   */
  record Witness(Ast.Together block, Explorer.Result result, Explorer.At state, Machine start,
      List<List<Explorer.Start>> lanes, Witness parent, int historyIndex) {}

  static Outcome together(Session s, Ast.Together block) {
    Engine engine = s.engine();
    String bad = lanesValid(s, block);
    if (bad != null) {
      return new Outcome(Outcome.Status.INVALID, "", new Diagnostic(block.pos(), bad.split("\n")[0],
          bad.contains("\n") ? bad.substring(bad.indexOf('\n') + 1) : null));
    }
    List<List<Explorer.Start>> lanes = new ArrayList<>();
    for (int c = 0; c < s.cpus(); c++) {
      lanes.add(new ArrayList<>());
    }
    for (Ast.Lane lane : block.lanes()) {
      for (Ast.Action a : lane.actions()) {
        Start st = s.start(a);
        lanes.get(lane.cpu().n()).add(new Explorer.Start(st.routine(), st.args(), a.toSource()));
      }
    }
    List<World> next = new ArrayList<>();
    String incomplete = null;
    long states = 0;
    long transitions = 0;
    long millis = 0;
    java.util.Set<String> symmetry = new java.util.LinkedHashSet<>();
    for (World w : s.worlds) {
      Machine start = w.machine().withTso(s.setup.tso());
      for (Ast.Lane lane : block.lanes()) {
        for (Ast.Action a : lane.actions()) {
          if (a.mm() != null) {
            s.create(start, s.mm(a.mm()), lane.cpu().n(), null);
          }
        }
      }
      for (int c = 0; c < s.cpus(); c++) {
        engine.setLaneNext(start, c, 0);
      }
      Explorer.Result r;
      try {
        r = new Explorer(engine, s.setup.speculate()).explore(start, lanes, s.limits);
      } catch (ModelBug bug) {
        return s.modelBug(block.pos(), bug.path() == null ? "" : reaching(s,
            new Witness(block, null, null, start, lanes, w.witness(), s.history.size()), bug.path()), bug);
      }
      states += r.states;
      transitions += r.transitions;
      millis += r.millis;
      if (!r.symmetry.isEmpty()) {
        symmetry.add(r.symmetry);
      }
      if (r.thrownAway > 0) {
        symmetry.add("explored " + (r.thrownAway + 1) + " times to learn what the steps read");
      }
      if (!r.complete && Explorer.INTERRUPTED.equals(r.incomplete)) {
        return new Outcome(Outcome.Status.STOPPED, figures(s, block, r.states, r.transitions,
            "found " + r.finals.size(), r.millis, symmetry) , new Diagnostic(block.pos(),
            "interrupted: explored " + r.states + " states, " + r.finals.size() + " outcomes found so far"));
      }
      if (!r.complete) {
        // what it found is real: its final states, and each first stale use or freed walk,
        // carried on to the end of the block; assertions below judge those
        incomplete = "exploration incomplete after " + r.states + " states, stopped at the " + r.incomplete;
        finishFirstEvents(engine, s.setup.speculate(), start, lanes, r);
      }
      for (int i = 0; i < r.finals.size(); i++) {
        next.add(new World(r.finals.get(i), new Witness(block, r, r.finalAt.get(i), start, lanes,
            w.witness(), s.history.size())));
      }
    }
    if (next.isEmpty()) { // nothing to go on with: the session stays as it was
      return new Outcome(Outcome.Status.STOPPED, figures(s, block, states, transitions, "found 0", millis,
          symmetry), new Diagnostic(block.pos(), incomplete + "; no outcome found, so nothing can be judged",
          "raise the bound (--max-states, --timeout, --max-memory), or make the block smaller"));
    }
    s.worlds = next;
    dedupe(s);
    s.focus(0);
    if (incomplete != null) {
      s.incomplete = incomplete;
      return new Outcome(Outcome.Status.INCOMPLETE, figures(s, block, states, transitions,
          "found " + s.worlds.size(), millis, symmetry), new Diagnostic(block.pos(), incomplete + "; "
          + s.worlds.size() + " outcome" + (s.worlds.size() == 1 ? "" : "s") + " found so far: the assertions "
          + "that follow judge those", "raise the bound (--max-states, --timeout, --max-memory; the heap with "
          + "JAVA_OPTS=-Xmx2g), or make the block smaller"));
    }
    return Outcome.ok(figures(s, block, states, transitions, "" + s.worlds.size(), millis, symmetry));
  }

  /** The block's figures line: states, transitions, outcomes ({@code outcomes} says how many), time. */
  private static String figures(Session s, Ast.Together block, long states, long transitions, String outcomes,
      long millis, java.util.Set<String> symmetry) {
    boolean one = outcomes.endsWith(" 1") || outcomes.equals("1");
    return String.format("together (line %d): %d states, %d transitions, %s outcome%s, %d ms, memory %s%s%n",
        block.pos().line(), states, transitions, outcomes, one ? "" : "s", millis, s.setup.tso() ? "tso" : "sc",
        symmetry.isEmpty() ? "" : ", " + String.join("; ", symmetry));
  }

  /**
   * Each CPU's first stale use and first freed walk that an incomplete run found, carried to
   * the end of the block by one schedule, become outcomes: a violation found before a limit
   * hit is a real one, with its interleaving.
   */
  private static void finishFirstEvents(Engine engine, boolean speculate, Machine start,
      List<List<Explorer.Start>> lanes, Explorer.Result r) {
    Explorer explorer = new Explorer(engine, speculate);
    for (Explorer.At[] first : List.of(r.firstStaleUse, r.firstFreedWalk)) {
      for (Explorer.At at : first) {
        if (at != null) {
          explorer.carryToEnd(start, lanes, r, at);
        }
      }
    }
  }

  /** {@link Session#explore()}: an exploration with no lanes, judged by stale/freed-walk none. */
  static Outcome explore(Session s) {
    org.tlbscript.lang.Pos here = org.tlbscript.lang.Pos.at(new org.tlbscript.lang.Source("<explore>", ""), 1, 1);
    if (s.worlds.size() > 1) {
      return new Outcome(Outcome.Status.INVALID, "", new Diagnostic(here,
          "exploring needs one state, but the together block left " + s.worlds.size() + " outcomes"));
    }
    Engine engine = s.engine();
    Machine start = s.worlds.get(0).machine().withTso(s.setup.tso());
    List<List<Explorer.Start>> lanes = new ArrayList<>();
    for (int c = 0; c < s.cpus(); c++) {
      lanes.add(List.of());
      engine.setLaneNext(start, c, 0);
    }
    Explorer.Result r;
    try {
      r = new Explorer(engine, s.setup.speculate()).explore(start, lanes, s.limits);
    } catch (ModelBug bug) {
      return s.modelBug(here, bug.path() == null ? "" : reaching(s,
          new Witness(null, null, null, start, lanes, s.worlds.get(0).witness(), s.history.size()), bug.path()), bug);
    }
    if (!r.complete) {
      return new Outcome(Explorer.INTERRUPTED.equals(r.incomplete) ? Outcome.Status.STOPPED
          : Outcome.Status.INCOMPLETE, "", new Diagnostic(here, "incomplete: explored " + r.states
          + " states and stopped at the " + r.incomplete + "; " + r.finals.size() + " outcomes found so far"));
    }
    List<World> saved = s.worlds;
    Machine savedMachine = s.machine();
    StringBuilder out = new StringBuilder();
    try {
      List<World> next = new ArrayList<>();
      for (int i = 0; i < r.finals.size(); i++) {
        next.add(new World(r.finals.get(i), new Witness(null, r, r.finalAt.get(i), start, lanes,
            saved.get(0).witness(), s.history.size())));
      }
      s.worlds = next;
      dedupe(s);
      out.append(String.format("explore: %d states, %d transitions, %d outcome%s, %d ms, memory %s%s%n",
          r.states, r.transitions, s.worlds.size(), s.worlds.size() == 1 ? "" : "s", r.millis,
          s.setup.tso() ? "tso" : "sc", r.symmetry.isEmpty() ? "" : ", " + r.symmetry));
      for (int i = 0; i < s.worlds.size(); i++) {
        s.focus(i);
        out.append("  outcome ").append(i + 1).append(':');
        for (int c = 0; c < s.cpus(); c++) {
          out.append("  cpu").append(c).append(' ').append(s.mmName(s.loadedMm(c)))
              .append(s.lazyMode(c) ? " lazy" : "").append(", ").append(s.machine().ipisTaken(c)).append(" ipi");
        }
        out.append('\n');
      }
      boolean bad = false;
      for (String check : List.of("assert stale none", "assert freed-walk none")) {
        List<Ast.Stmt> parsed = org.tlbscript.lang.Parser.parse(
            new org.tlbscript.lang.Source("<explore>", check)).statements();
        Outcome o = assertion(s, (Assert) parsed.get(0));
        out.append(o.output());
        bad |= o.status() != Outcome.Status.OK;
      }
      out.append(bad ? "  a CPU can go wrong in some interleaving (counterexample above)\n"
          : "  no interleaving lets a CPU use a stale entry or walk a freed table\n");
      return Outcome.ok(out.toString());
    } finally {
      s.worlds = saved;
      s.setMachine(savedMachine);
    }
  }

  /**
   * Lanes run one after another must meet each action's preconditions (a touch needs its CPU
   * running the mm, ...): what a CPU runs changes only by its own lane, so this catches lanes
   * that cannot happen in any order.
   */
  private static String lanesValid(Session s, Ast.Together block) {
    List<World> saved = s.worlds;
    int mark = s.history.size();
    boolean tracing = s.tracing();
    try {
      s.trace(false);
      s.worlds = new ArrayList<>(List.of(new World(saved.get(0).machine().copy(), null)));
      for (Ast.Lane lane : block.lanes()) {
        for (Ast.Action a : lane.actions()) {
          Outcome o = s.execute(a);
          if (o.status() != Outcome.Status.OK) {
            return "in the lane of " + lane.cpu().toSource() + ", `" + a.toSource() + "` (line "
                + a.pos().line() + ") cannot run even with the lanes one after another: "
                + o.diagnostic().message() + (o.diagnostic().hint() == null ? "" : "\n" + o.diagnostic().hint());
          }
        }
      }
      return null;
    } finally {
      s.worlds = saved;
      s.focus(0);
      s.history.subList(mark, s.history.size()).clear();
      s.trace(tracing);
    }
  }

  /** Drops worlds whose states are equal. */
  static void dedupe(Session s) {
    Map<Machine, World> seen = new LinkedHashMap<>();
    for (World w : s.worlds) {
      seen.putIfAbsent(w.machine(), w);
    }
    s.worlds = new ArrayList<>(seen.values());
  }

  // ------------------------------------------------------------------ verdicts

  static Outcome assertion(Session s, Assert a) {
    int n = s.worlds.size();
    int holds = 0;
    int firstFail = -1;
    int firstPass = -1;
    String failure = null;
    for (int i = 0; i < n; i++) {
      s.focus(i);
      String f = new Assertions(s).check(a);
      if (f == null) {
        holds++;
        firstPass = firstPass < 0 || pathLength(s, i, a) < pathLength(s, firstPass, a) ? i : firstPass;
      } else if (firstFail < 0 || pathLength(s, i, a) < pathLength(s, firstFail, a)) {
        firstFail = i;
        failure = f;
      }
    }
    String verdict = holds == n ? "Always" : holds == 0 ? "Never" : "Sometimes";
    String of = s.incomplete == null ? " outcomes" : " outcomes found";
    String figure = String.format("  %s   %s%s (%d of %d%s)%n", a.toSource(), s.incomplete == null ? ""
        : "so far ", verdict, holds, n, of);
    boolean ok = a.sometimes() ? holds > 0 : holds == n;
    if (ok && a.sometimes()) {
      return Outcome.ok(figure + explain(s, firstPass, a, null));
    }
    if (ok && s.incomplete != null) {
      // holding in the outcomes found says nothing of those not found
      return new Outcome(Outcome.Status.INCOMPLETE, figure, new Diagnostic(a.pos(), "no violation in the " + n
          + (n == 1 ? " outcome" : " outcomes") + " found; " + s.incomplete));
    }
    if (ok) {
      return Outcome.ok(figure);
    }
    if (a.sometimes() && s.incomplete != null) {
      return new Outcome(Outcome.Status.INCOMPLETE, figure, new Diagnostic(a.pos(), "no witness in the " + n
          + (n == 1 ? " outcome" : " outcomes") + " found; " + s.incomplete));
    }
    String why = a.sometimes() ? "in any of the " + n + " outcomes" : "in " + (n - holds) + " of " + n + of
        + ": " + failure;
    String text = a.sometimes() ? figure : figure + explain(s, firstFail, a, failure);
    return new Outcome(Outcome.Status.ASSERTION_FAILED, text, new Diagnostic(a.pos(),
        "assertion failed: " + (a.sometimes() ? "never holds " : "does not hold ") + why
            + (s.incomplete == null ? "" : " (violation found; " + s.incomplete + ")")));
  }

  /** The state a verdict on {@code a} is best explained at: the first violation for event checks. */
  private static Explorer.At target(Session s, int world, Assert a) {
    Witness w = s.worlds.get(world).witness();
    if (a.aboutEvents()) {
      boolean freed = a.check() == Ast.Check.FREED_WALK_NONE || a.check() == Ast.Check.FREED_WALK_CPU;
      Explorer.At[] first = freed ? w.result().firstFreedWalk : w.result().firstStaleUse;
      Explorer.At best = null;
      for (int c = 0; c < first.length; c++) {
        if (first[c] != null && (a.cpu() == null || a.cpu().n() == c)
            && (best == null || w.result().path(first[c]).length < w.result().path(best).length)) {
          best = first[c];
        }
      }
      if (best != null) {
        return best;
      }
    }
    return w.state();
  }

  private static int pathLength(Session s, int world, Assert a) {
    Witness w = s.worlds.get(world).witness();
    return w == null ? 0 : w.result().path(target(s, world, a)).length;
  }

  // ------------------------------------------------------------------ counterexamples

  /** The timeline and the replay script of the interleaving behind world {@code world}. */
  private static String explain(Session s, int world, Assert a, String failure) {
    Witness w = s.worlds.get(world).witness();
    if (w == null) {
      return "";
    }
    Explorer.At at = target(s, world, a);
    int[] path = w.result().path(at);
    Replay replay = replay(s, w, path);
    StringBuilder sb = new StringBuilder();
    sb.append(failure != null ? "  counterexample" : "  witness").append(" (").append(path.length)
        .append(w.result().shortest ? " moves, among the interleavings with the fewest shared moves; steps that touch no memory run "
                + "as soon as they can):\n"
            : " moves; found depth first, as the space was too large for a shortest one):\n");
    sb.append(replay.timeline);
    sb.append("  replay script (tlbscript run FILE):\n");
    List<String> script = new ArrayList<>(prefix(s, w));
    script.addAll(replay.controls);
    if (at.equals(w.state())) {
      int from = w.historyIndex() + 1;
      for (int i = from; i < s.history.size(); i++) {
        script.add(s.history.get(i).toSource());
      }
    }
    script.add(demonstrate(s, replay.end, a, failure != null));
    for (String line : script) {
      sb.append("    ").append(line.replace("\n", "\n    ")).append('\n');
    }
    return sb.toString();
  }

  /** The interleaving that reached a model bug, as a timeline and a replay script, for the report. */
  private static String reaching(Session s, Witness w, int[] path) {
    Replay replay = replay(s, w, path);
    StringBuilder sb = new StringBuilder("  the interleaving that reaches it (" + path.length + " moves):\n");
    sb.append(replay.timeline).append("  replay script (tlbscript run FILE):\n");
    List<String> script = new ArrayList<>(prefix(s, w));
    script.addAll(replay.controls);
    for (String line : script) {
      sb.append("    ").append(line.replace("\n", "\n    ")).append('\n');
    }
    return sb.toString();
  }

  /** Header lines and the statements before the block, earlier blocks replaced by their replays. */
  private static List<String> prefix(Session s, Witness w) {
    List<Witness> chain = new ArrayList<>();
    for (Witness x = w.parent(); x != null; x = x.parent()) {
      chain.add(0, x);
    }
    List<String> out = new ArrayList<>();
    out.add("kernel " + s.model.name);
    out.add("cpus " + s.cpus());
    out.add("pcid " + (s.pcid ? "on" : "off"));
    if (s.ceiling != Session.DEFAULT_CEILING) {
      out.add("ceiling " + s.ceiling);
    }
    out.add("memory " + (s.setup.tso() ? "tso" : "sc"));
    if (s.setup.speculate()) {
      out.add("speculate on");
    }
    int block = 0;
    for (int i = 0; i < w.historyIndex(); i++) {
      Ast.Stmt st = s.history.get(i);
      if (st instanceof Ast.Together && block < chain.size()) {
        Witness earlier = chain.get(block++);
        out.add("# " + "together (line " + st.pos().line() + ") replayed:");
        out.addAll(replay(s, earlier, earlier.result().path(earlier.state())).controls);
      } else {
        out.add(st.toSource());
      }
    }
    return out;
  }

  /** An assertion that holds at the end of the replay and shows the verdict. */
  private static String demonstrate(Session s, Machine end, Assert a, boolean failed) {
    if (!failed) {
      return a.withSometimes(false).toSource();
    }
    Engine e = s.engine();
    String c = a.cpu() == null ? "" : a.cpu().toSource();
    Machine saved = s.machine();
    s.setMachine(end);
    try {
      switch (a.check()) {
        case STALE_NONE, STALE_CPU -> {
          for (int i = 0; i < s.cpus(); i++) {
            if (e.staleUses(end, i) > 0) {
              return "assert stale cpu" + i + " " + Ast.hex(e.firstStaleUse(end, i));
            }
          }
          for (int i = 0; i < s.cpus(); i++) { // none used yet, but one can use one
            String probe = "assert stale cpu" + i;
            Ast.Stmt st = org.tlbscript.lang.Parser.parse(new org.tlbscript.lang.Source("<probe>", probe))
                .statements().get(0);
            if (new Assertions(s).check((Assert) st) == null) {
              return probe;
            }
          }
          return "assert stale none";
        }
        case FREED_WALK_NONE, FREED_WALK_CPU -> {
          for (int i = 0; i < s.cpus(); i++) {
            if (e.freedWalks(end, i) > 0 || s.checkers().freedTableInReach(end, i) >= 0) {
              return "assert freed-walk cpu" + i;
            }
          }
          return "assert freed-walk none";
        }
        case IPIS -> {
          long n = 0;
          for (int i = 0; i < s.cpus(); i++) {
            n += a.cpu() == null || a.cpu().n() == i ? end.ipisTaken(i) : 0;
          }
          return "assert ipis " + (c.isEmpty() ? "" : c + " ") + n;
        }
        case CR3 -> {
          return "assert cr3 " + c + " " + end.cr3Writes(a.cpu().n());
        }
        case FLUSHES_FULL -> {
          return "assert flushes " + c + " full " + end.fullFlushes(a.cpu().n());
        }
        case FLUSHES_PARTIAL -> {
          return "assert flushes " + c + " partial " + end.invlpgs(a.cpu().n());
        }
        case LAZY, NOT_LAZY -> {
          return "assert " + c + (s.lazyMode(a.cpu().n()) ? " lazy" : " not lazy");
        }
        case LOADED -> {
          return "assert " + c + " loaded " + s.mmName(s.loadedMm(a.cpu().n()));
        }
        case ASID -> {
          return "assert " + c + " asid " + end.reg(a.cpu().n(), org.tlbscript.kernels.Vars.LOADED_MM_ASID);
        }
        case MASK -> {
          StringBuilder sb = new StringBuilder("assert mask " + a.mm().name() + " {");
          long mask = s.cpumask(s.mm(a.mm()));
          for (int i = 0; i < s.cpus(); i++) {
            if ((mask >>> i & 1) != 0) {
              sb.append(sb.charAt(sb.length() - 1) == '{' ? "" : " ").append("cpu").append(i);
            }
          }
          return sb.append('}').toString();
        }
        case GEN -> {
          return "assert gen " + a.mm().name() + " " + s.tlbGen(s.mm(a.mm()));
        }
        default -> {
          return a.toSource();
        }
      }
    } finally {
      s.setMachine(saved);
    }
  }

  /** What replaying a path shows: a timeline, the manual-stepping statements, the end state. */
  record Replay(String timeline, List<String> controls, Machine end) {}

  static Replay replay(Session s, Witness w, int[] path) {
    Engine engine = s.engine();
    Moves moves = new Moves(engine, s.setup.speculate());
    Machine m = w.start().copy();
    int cpus = s.cpus();
    List<String[]> rows = new ArrayList<>();
    List<String> controls = new ArrayList<>();
    Recorder rec = new Recorder(engine);
    int runCpu = -1;
    List<String> runLabels = new ArrayList<>();
    for (int k = 0; k < path.length; k++) {
      int mv = path[k];
      int c = Moves.cpu(mv);
      int kind = Moves.kind(mv);
      if (runCpu >= 0 && (kind != Moves.STEP || c != runCpu)) {
        controls.add(stepRun(engine, m, runCpu, runLabels));
        runCpu = -1;
        runLabels.clear();
      }
      String cell;
      if (kind == Moves.DRAIN) {
        long[] e = m.storeBufferEntry(c, 0);
        cell = "drain: " + engine.addressName((int) e[0]) + " := " + e[1];
        controls.add("cpu" + c + " drain");
      } else if (kind == Moves.SPEC) {
        cell = "spec " + Ast.hex(engine.layout.pageAddress(Moves.arg(mv)));
        controls.add("cpu" + c + " spec " + Ast.hex(engine.layout.pageAddress(Moves.arg(mv))));
      } else if (kind == Moves.IPI) {
        cell = "";
        controls.add("cpu" + c + " take ipi from cpu" + Moves.arg(mv));
      } else {
        cell = "";
        if (kind == Moves.START) {
          int i = (int) engine.laneNext(m, c);
          controls.add("cpu" + c + " begin " + w.lanes().get(c).get(i).text().substring(("cpu" + c + " ").length()));
        }
        runCpu = c;
      }
      rec.clear();
      moves.apply(m, mv, w.lanes(), rec);
      if (kind == Moves.START || kind == Moves.STEP) {
        runLabels.add(rec.label);
      }
      String text = (cell + " " + rec.text()).trim();
      if (m.storeBufferCount(c) > 0 && kind != Moves.DRAIN) {
        StringBuilder sb = new StringBuilder(" [sb:");
        for (int i = 0; i < m.storeBufferCount(c); i++) {
          long[] e = m.storeBufferEntry(c, i);
          sb.append(' ').append(engine.addressName((int) e[0])).append('=').append(e[1]);
        }
        text += sb.append(']');
      }
      if (m.pendingIpis(c) != 0) { // IPIs in flight to this CPU (not taken yet: interrupts off, or not chosen)
        StringBuilder ipi = new StringBuilder(" [ipi from");
        for (long p = m.pendingIpis(c); p != 0; p &= p - 1) {
          ipi.append(" cpu").append(Long.numberOfTrailingZeros(p));
        }
        text += ipi.append(']');
      }
      if ((kind == Moves.START || kind == Moves.STEP) && rec.quiet) {
        continue; // private bookkeeping or a branch not taken: no row
      }
      String[] row = new String[cpus];
      row[c] = text;
      rows.add(row);
    }
    if (runCpu >= 0) {
      controls.add(stepRun(engine, m, runCpu, runLabels));
    }
    return new Replay(timeline(rows, cpus), controls, m);
  }

  /** `cpuN step to LABEL` when LABEL names the next step unambiguously, else `cpuN step K`. */
  private static String stepRun(Engine engine, Machine m, int cpu, List<String> labels) {
    Step next = engine.nextStep(m, cpu);
    String comment = "   # " + String.join(" ", labels);
    if (next != null && !labels.contains(next.label()) && labels.size() > 1) {
      return "cpu" + cpu + " step to " + next.label() + comment;
    }
    return "cpu" + cpu + " step" + (labels.size() == 1 ? "" : " " + labels.size()) + comment;
  }

  private static String timeline(List<String[]> rows, int cpus) {
    int width = Math.max(40, Math.min(72, 150 / Math.max(1, cpus))); // wide enough to read, 150 columns in all
    StringBuilder head = new StringBuilder("    ");
    for (int c = 0; c < cpus; c++) {
      head.append(String.format("%-" + width + "s", "cpu" + c));
    }
    StringBuilder sb = new StringBuilder(head.toString().stripTrailing()).append('\n');
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder("    ");
      for (int c = 0; c < cpus; c++) {
        String t = row[c] == null ? "" : row[c];
        if (t.length() > width - 2) {
          t = t.substring(0, width - 3) + "…";
        }
        line.append(String.format("%-" + width + "s", t));
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }

  /** Collects what one move did, for one timeline cell. */
  private static final class Recorder implements Observer {
    private final Engine engine;
    private final StringBuilder text = new StringBuilder();
    String label = "";
    /** The step was private and said nothing worth a row. */
    boolean quiet;

    Recorder(Engine engine) {
      this.engine = engine;
    }

    void clear() {
      text.setLength(0);
      label = "";
      quiet = false;
    }

    String text() {
      return text.toString();
    }

    @Override
    public void step(int cpu, Routine routine, Step step, String notes) {
      label = step.label();
      quiet = Engine.isPrivate(step) && (notes.isEmpty() || notes.equals("no"));
      text.append(step.label()).append(' ').append(step.access()).append(notes.isEmpty() ? "" : " " + notes);
    }

    @Override
    public void event(Event e) {
      text.append(text.length() > 0 ? " " : "").append(e.kind() == Event.Kind.IPI ? "⚡ " : "✗ ")
          .append(e.message().replaceFirst("^cpu\\d+ ", ""));
    }
  }
}
