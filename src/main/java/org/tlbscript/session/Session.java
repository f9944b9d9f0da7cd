package org.tlbscript.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tlbscript.engine.Checkers;
import org.tlbscript.engine.Engine;
import org.tlbscript.engine.ModelBug;
import org.tlbscript.engine.Observer;
import org.tlbscript.hw.Counter;
import org.tlbscript.hw.Layout;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Entry;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.MmCode;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Step;
import org.tlbscript.kernels.Vars;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Ast.Action;
import org.tlbscript.lang.Ast.Assert;
import org.tlbscript.lang.Ast.CpuRef;
import org.tlbscript.lang.Ast.MmRef;
import org.tlbscript.lang.Ast.Stmt;
import org.tlbscript.lang.Checker;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Pos;

/**
 * A scenario being run: one kernel model over its machine. Front ends (batch, REPL) feed it
 * checked statements one at a time and print the outcomes; they never touch the machine.
 *
 * <p>After a together block there may be several outcomes ("worlds"): later actions apply to
 * each, plain assertions must hold in all of them and {@code assert sometimes} in one. Views and
 * checks read {@link #machine()}, which points at the world being looked at.
 */
public final class Session {
  public final KernelModel model;
  public final Checker.Setup setup;
  public final boolean pcid;
  public final long ceiling;
  private final Engine engine;
  private final Vars vars;
  private final Layout layout;
  private final List<String> mmNames;
  private Machine machine;
  private boolean tracing;
  /** Sees every step and event of sequential actions, traced or not (compare's divergence finder). */
  private Observer listener = Observer.NONE;
  private final List<Observer.Event> events = new ArrayList<>();
  /** The possible states now; one except after a together block. */
  List<Races.World> worlds;
  /** Statements that changed the state, in order: the prefix of counterexample scripts. */
  final List<Stmt> history = new ArrayList<>();
  org.tlbscript.engine.Explorer.Limits limits = org.tlbscript.engine.Explorer.Limits.DEFAULT;
  /**
   * Why the outcomes are only some of the possible ones (a together block stopped at a bound),
   * or null: a violation found in them is real, their passing proves nothing.
   */
  String incomplete;

  public static final long DEFAULT_CEILING = 33;

  /** A session that keeps every observation counter (the REPL, compare: anything may be asked later). */
  public Session(KernelModel model, Checker.Setup setup) {
    this(model, setup, Counter.ALL);
  }

  /**
   * A session whose states keep only the observation counters in {@code counted}: for a file,
   * those its statements read ({@link #countersReadBy}). The others are never read, so leaving
   * them out changes no verdict and merges states that differ only in them.
   */
  public Session(KernelModel model, Checker.Setup setup, java.util.Set<Counter> counted) {
    this.model = model;
    this.setup = setup;
    this.pcid = setup.pcid() != null ? setup.pcid() : model.pcidDefault;
    this.ceiling = setup.ceiling() != null ? setup.ceiling() : DEFAULT_CEILING;
    this.mmNames = setup.mms();
    int cpus = setup.cpuCount();
    long[] pages = setup.pages().length == 0 ? new long[] {0} : setup.pages();
    Layout probe = new Layout(cpus, mmNames.size(), pages, 0, 0, 0, 0);
    this.vars = new Vars(cpus, mmNames.size(), probe.pages(), probe.regions());
    this.layout = new Layout(cpus, mmNames.size(), pages, vars.globals(), vars.sharedCells(),
        Engine.regsFor(model), 8, counted);
    this.engine = new Engine(model, vars, layout, ceiling, pcid, mmNames);
    this.machine = engine.boot(setup.tso());
    this.worlds = new ArrayList<>(List.of(new Races.World(machine, null)));
  }

  /** The observation counters {@code stmts} read: their assertions' counters, all for a `show`. */
  public static java.util.Set<Counter> countersReadBy(List<Stmt> stmts) {
    java.util.EnumSet<Counter> out = java.util.EnumSet.noneOf(Counter.class);
    for (Stmt st : stmts) {
      Stmt s = st instanceof Ast.On on ? on.assertion() : st;
      if (s instanceof Ast.Show) {
        return Counter.ALL;
      } else if (s instanceof Assert a) {
        switch (a.check()) {
          case IPIS -> out.add(Counter.IPIS_TAKEN);
          case CR3 -> out.add(Counter.CR3_WRITES);
          case FLUSHES_FULL -> out.add(Counter.FULL_FLUSHES);
          case FLUSHES_PARTIAL -> out.add(Counter.PARTIAL_FLUSHES);
          default -> { }
        }
      }
    }
    return out;
  }

  /** Bounds for together blocks. */
  public void limits(org.tlbscript.engine.Explorer.Limits l) {
    this.limits = l;
  }

  /** How many outcomes the session holds (1 except after a together block). */
  public int worldCount() {
    return worlds.size();
  }

  /** Looks at world {@code i} (views and checks read {@link #machine()}). */
  void focus(int i) {
    machine = worlds.get(i).machine();
  }

  public Machine machine() {
    return machine;
  }

  /** Restores a state taken with {@link #machine()} and copied (the REPL's undo). */
  public void restore(Machine m) {
    machine = m.copy();
    worlds = new ArrayList<>(List.of(new Races.World(machine, null)));
  }

  /**
   * Every interleaving of what is left from the current state (CPUs paused mid-action by
   * `begin`/`step`, pending IPIs, buffered stores), with no new actions: the outcomes, and a
   * counterexample if a CPU can use a stale entry or walk a freed table in one. The session's
   * state is left as it was.
   */
  public Outcome explore() {
    return Races.explore(this);
  }

  public Engine engine() {
    return engine;
  }

  public void trace(boolean on) {
    tracing = on;
  }

  public boolean tracing() {
    return tracing;
  }

  /** Also reports each step and event of sequential actions to {@code o} (null: nobody). */
  public void listen(Observer o) {
    listener = o == null ? Observer.NONE : o;
  }

  // ------------------------------------------------------------------ statements

  public Outcome execute(Stmt s) {
    if (s instanceof Ast.Header) {
      return Outcome.ok("");
    } else if (s instanceof Ast.Together t) {
      Outcome o = Races.together(this, t);
      if (o.status() == Outcome.Status.OK) {
        history.add(t);
      }
      return o;
    } else if (s instanceof Ast.Control c) {
      if (worlds.size() > 1) {
        return new Outcome(Outcome.Status.INVALID, "", new Diagnostic(c.pos(),
            "manual stepping needs one state, but the together block left " + worlds.size() + " outcomes",
            "step before the block, or use a replay script printed by a counterexample"));
      }
      focus(0);
      Outcome o = Stepping.control(this, c);
      worlds.set(0, new Races.World(machine, worlds.get(0).witness()));
      if (o.status() == Outcome.Status.OK) {
        history.add(c);
      }
      return o;
    } else if (s instanceof Ast.TraceSwitch t) {
      tracing = t.on();
      return Outcome.ok("");
    } else if (s instanceof Ast.Show show) {
      focus(0);
      String note = worlds.size() > 1 ? "(outcome 1 of " + worlds.size() + ")\n" : "";
      return Outcome.ok(note + new StateView(this).show(show));
    } else if (s instanceof Ast.On on) {
      return on.covers(model.basis, org.tlbscript.kernels.Models.names()) ? execute(on.assertion())
          : Outcome.ok("");
    } else if (s instanceof Assert a) {
      if (worlds.size() > 1 || incomplete != null) {
        return Races.assertion(this, a);
      }
      focus(0);
      String failure = new Assertions(this).check(a);
      return failure == null ? Outcome.ok("")
          : new Outcome(Outcome.Status.ASSERTION_FAILED, "", new Diagnostic(a.pos(),
              "assertion failed: " + failure));
    } else if (s instanceof Action a) {
      Outcome result = Outcome.ok("");
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < worlds.size(); i++) {
        focus(i);
        Outcome o = act(a);
        out.append(o.output());
        if (o.status() != Outcome.Status.OK) {
          return worlds.size() == 1 ? o : new Outcome(o.status(), out.toString(), new Diagnostic(
              o.diagnostic().pos(), o.diagnostic().message() + " (in outcome " + (i + 1) + " of "
                  + worlds.size() + ")", o.diagnostic().hint()));
        }
        worlds.set(i, new Races.World(machine, worlds.get(i).witness()));
      }
      Races.dedupe(this);
      history.add(a);
      return Outcome.ok(out.toString());
    }
    throw new IllegalStateException("unknown statement " + s);
  }

  private Outcome act(Action a) {
    String problem = Preconditions.check(this, a);
    if (problem != null) {
      int split = problem.indexOf('\n');
      String hint = split < 0 ? null : problem.substring(split + 1);
      return new Outcome(Outcome.Status.INVALID, "",
          new Diagnostic(a.pos(), split < 0 ? problem : problem.substring(0, split), hint));
    }
    StringBuilder out = new StringBuilder();
    Observer obs = new Tracer(out);
    if (tracing) {
      out.append("▶ ").append(a.toSource()).append("   (line ").append(a.pos().line()).append(")\n");
    }
    Machine before = machine.copy();
    try {
      if (a.mm() != null && a.verb() != Ast.Verb.TICK) {
        create(machine, mm(a.mm()), a.cpu() != null ? a.cpu().n() : -1, obs);
      }
      run(a, obs);
    } catch (ModelBug bug) {
      machine = before;
      return modelBug(a.pos(), out.toString(), bug);
    } catch (Engine.Stuck stuck) {
      machine = before;
      return new Outcome(Outcome.Status.INVALID, out.toString(),
          new Diagnostic(a.pos(), stuck.getMessage(), stuck.hint));
    }
    return Outcome.ok(out.toString());
  }

  /** The entry routine and arguments an action starts (mm, start, end, extra). */
  Races.Start start(Action a) {
    long mm = a.mm() == null ? 0 : mm(a.mm());
    long start = 0;
    long end = 0;
    long extra = 0;
    if (a.range() != null) {
      start = a.range().start().value();
      end = a.range().end().value();
    } else if (a.verb() == Ast.Verb.FLUSH_RANGE) {
      long[] r = setup.defaultRanges().get(a.mm().name());
      start = r[0];
      end = r[1];
    }
    if (a.verb() == Ast.Verb.TOUCH) {
      extra = a.write() ? 1 : 0;
    } else if (a.verb() == Ast.Verb.MAP && a.pfn() != null) {
      extra = a.pfn().value();
    }
    return new Races.Start(model.entry(entry(a.verb())), new long[] {mm, start, end, extra});
  }

  Observer tracer(StringBuilder out) {
    return new Tracer(out);
  }

  void setMachine(Machine m) {
    machine = m;
  }

  /**
   * Fork or exec has just created {@code mm} if no action named it before: runs the model's
   * init_new_context for it, on {@code cpu} when that CPU runs no kernel code (else on the
   * lowest CPU that runs none).
   */
  void create(Machine m, int mm, int cpu, Observer obs) {
    if (mm <= 0 || m.global(vars.created(mm)) != 0) {
      return;
    }
    int c = cpu >= 0 && engine.depth(m, cpu) == 0 ? cpu : 0;
    while (c < layout.cpus - 1 && engine.depth(m, c) > 0) {
      c++;
    }
    engine.push(m, c, model.entry(Entry.INIT_NEW_CONTEXT), new long[] {mm}, -1);
    engine.runToCompletion(m, c, obs);
  }

  private void run(Action a, Observer obs) {
    if (a.verb() == Ast.Verb.TICK) {
      machine.setGlobal(Vars.JIFFIES, machine.global(Vars.JIFFIES) + a.ticks().value());
      return;
    }
    int cpu = a.cpu() != null ? a.cpu().n() : Preconditions.cpuRunning(this, mm(a.mm()));
    if (a.verb() == Ast.Verb.SPEC) {
      engine.speculate(machine, cpu, a.range().start().value(), obs);
      return;
    }
    Races.Start st = start(a);
    engine.push(machine, cpu, st.routine(), st.args(), -1);
    engine.runToCompletion(machine, cpu, obs);
  }

  Outcome modelBug(Pos pos, String output, ModelBug bug) {
    return new Outcome(Outcome.Status.MODEL_BUG, output, new Diagnostic(pos,
        "model self-check failed in " + model.name + ": " + bug.getMessage(),
        "this is a bug in tlbscript's model, not in the kernel; please report it"));
  }

  static Entry entry(Ast.Verb v) {
    return switch (v) {
      case SWITCH -> Entry.SWITCH_TO_USER;
      case SWITCH_KERNEL -> Entry.SWITCH_TO_KTHREAD;
      case USE -> Entry.USE_MM;
      case UNUSE -> Entry.UNUSE_MM;
      case LEAVE -> Entry.LEAVE;
      case TOUCH -> Entry.USER_ACCESS;
      case MAP -> Entry.MAP;
      case UNMAP -> Entry.MUNMAP;
      case PROTECT -> Entry.MPROTECT;
      case REMAP -> Entry.REMAP;
      case FREE_TABLES -> Entry.FREE_TABLES;
      case FLUSH_RANGE -> Entry.FLUSH_RANGE;
      case FLUSH_ALL -> Entry.FLUSH_ALL;
      case EXIT -> Entry.EXIT;
      case RECLAIM -> Entry.RECLAIM;
      case COLLAPSE -> Entry.COLLAPSE;
      case SPEC, TICK -> throw new IllegalArgumentException(v + " is not a kernel entry");
    };
  }

  // ------------------------------------------------------------------ queries for views

  public int mm(MmRef ref) {
    return mmNames.indexOf(ref.name());
  }

  public String mmName(long mm) {
    return engine.mmName(mm);
  }

  public List<String> mmNames() {
    return mmNames;
  }

  public int cpus() {
    return layout.cpus;
  }

  Vars vars() {
    return vars;
  }

  Layout layout() {
    return layout;
  }

  Checkers checkers() {
    return engine.checkers;
  }

  List<Observer.Event> events() {
    return events;
  }

  public long loadedMm(int cpu) {
    return machine.memory(layout.cell(vars.loadedMm(cpu)));
  }

  /** The kernel's is_lazy flag (4.14+ names lazy mode so; other eras keep it elsewhere). */
  public boolean lazy(int cpu) {
    return machine.memory(layout.cell(vars.isLazy(cpu))) != 0;
  }

  /**
   * Lazy TLB mode as every era means it: a kernel thread runs (not one that adopted an mm) while
   * a user mm is still loaded. Era-independent, unlike the flag that records it (state LAZY up to
   * 4.13, the cleared mask bit of the 2017 rework, is_lazy from 4.14).
   */
  public boolean lazyMode(int cpu) {
    long loaded = loadedMm(cpu);
    return kthread(cpu) && currentMm(cpu) < 0 && loaded != Vars.INIT_MM && loaded != Vars.SWITCHING;
  }

  public long tlbGen(int mm) {
    return machine.memory(layout.cell(vars.tlbGen(mm)));
  }

  public long cpumask(int mm) {
    return machine.memory(layout.cell(vars.cpumask(mm)));
  }

  public long currentMm(int cpu) {
    return machine.reg(cpu, Vars.CUR_MM);
  }

  public boolean kthread(int cpu) {
    return machine.reg(cpu, MmCode.KTHREAD) != 0;
  }

  public boolean exited(int mm) {
    return machine.global(vars.exited(mm)) != 0;
  }

  /** Records events and, with tracing on, prints each step. */
  private final class Tracer implements Observer {
    private final StringBuilder out;

    Tracer(StringBuilder out) {
      this.out = out;
    }

    @Override
    public void step(int cpu, Routine routine, Step step, String notes) {
      listener.step(cpu, routine, step, notes);
      if (!tracing) {
        return;
      }
      out.append(String.format("  cpu%d %-34s [%s] %s", cpu, step.function() + ":" + step.label(),
          step.access(), step.text()));
      if (!notes.isEmpty()) {
        out.append("\n  ").append(" ".repeat(String.valueOf(cpu).length() + 3)).append("↳ ").append(notes);
      }
      out.append('\n');
    }

    @Override
    public void event(Event e) {
      listener.event(e);
      events.add(e);
      if (tracing || e.kind() == Event.Kind.STALE_USE || e.kind() == Event.Kind.FREED_WALK) {
        if (e.kind() != Event.Kind.IPI || tracing) {
          out.append(e.kind() == Event.Kind.IPI ? "  ⚡ " : "  ✗ ").append(e.message()).append('\n');
        }
      }
    }
  }

}
