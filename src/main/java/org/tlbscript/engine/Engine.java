package org.tlbscript.engine;

import java.util.List;
import org.tlbscript.hw.Accesses;
import org.tlbscript.hw.Counter;
import org.tlbscript.hw.Layout;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Exec;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Local;
import org.tlbscript.kernels.MmCode;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.SelfCheck;
import org.tlbscript.kernels.Step;
import org.tlbscript.kernels.Vars;

/**
 * The one execution engine: advances a CPU by one kernel step of a model, delivers IPIs, and
 * runs the observers. A sequential action is {@link #runToCompletion}, the canonical schedule
 * (the acting CPU runs until it waits; then pending handlers run on their targets); the
 * explorer chooses among the same {@link #step}, {@link #deliverIpi} and store-buffer drains.
 *
 * <p>Each CPU's call stack lives in its private registers (after {@link MmCode#REGS}): depth,
 * the CPU mask it waits for, violation counters, and frames of (routine, pc, handler-of, locals).
 */
public final class Engine {
  // A CPU's call stack: frames packed after FRAMES, each as large as its routine needs, linked to
  // the frame below, in as many registers as the model's code can need (KernelModel.stackBound):
  // the state stays small, which is what the explorer copies and hashes for every move.
  static final int DEPTH = MmCode.REGS;
  static final int WAITING_FOR = DEPTH + 1;
  /** Stale uses by this CPU: counted when the run keeps {@link Counter#STALE_USES}, else 0 or 1. */
  static final int STALE_USES = DEPTH + 2;
  /** 1 once this CPU walked a freed page table (a flag: see {@link #observeWalk}). */
  static final int FREED_WALKS = DEPTH + 3;
  static final int IPI_HANDLER = DEPTH + 4;
  /** Index of the next action of this CPU's lane in a together block. */
  static final int LANE_NEXT = DEPTH + 5;
  /**
   * The address of this CPU's first stale use and first freed walk (for assertions by address):
   * the first, so that further uses leave the state as it is.
   */
  static final int STALE_VA = DEPTH + 6;
  static final int FREED_VA = DEPTH + 7;
  /**
   * IPIs this CPU took while a kernel thread (or idle) ran on it, i.e. it was woken for a flush
   * it may not have needed; for {@code tlbscript compare}. A counter only, read by no step.
   */
  static final int WOKEN_IDLE = DEPTH + 8;
  /** Register offset of the innermost frame (meaningless when DEPTH is 0). */
  static final int TOP = DEPTH + 9;
  static final int FRAMES = DEPTH + 10;
  static final int F_ROUTINE = 0;
  static final int F_PC = 1;
  static final int F_HANDLER_OF = 2;
  /** Offset of the frame below (the caller, or the code an interrupt came in on). */
  static final int F_LINK = 3;
  static final int F_LOCALS = KernelModel.FRAME_HEADER;
  /** A canonical run that takes more steps than this is a model bug (a loop). */
  static final int STEP_LIMIT = 1_000_000;

  /**
   * The first step (function:label) that visited CPUs in id order ({@link Exec#cpumaskNext})
   * since this was last cleared; {@link Symmetry} clears and reads it. Not state.
   */
  String cpuOrderSeenAt;

  public final KernelModel model;
  public final Vars vars;
  public final Layout layout;
  public final Checkers checkers;
  private final long ceiling;
  private final boolean pcid;
  private final List<String> mmNames;

  public Engine(KernelModel model, Vars vars, Layout layout, long ceiling, boolean pcid,
      List<String> mmNames) {
    this.model = model;
    this.liveness = Liveness.of(model);
    this.vars = vars;
    this.layout = layout;
    this.ceiling = ceiling;
    this.pcid = pcid;
    this.mmNames = mmNames;
    this.checkers = new Checkers(vars, layout);
  }

  /** A new engine for the same model and machine (for another thread: an engine is not thread-safe). */
  Engine copy() {
    return new Engine(model, vars, layout, ceiling, pcid, mmNames);
  }

  /** Registers the engine needs per CPU. */
  public static int regsFor(KernelModel model) {
    return FRAMES + model.stackBound();
  }

  /**
   * The state after boot (initialize_tlbstate_and_flush): every CPU runs its idle task on
   * init_mm with ASID 0, slot 0 holds init_mm, next_asid is 1.
   */
  public Machine boot(boolean tso) {
    Machine m = new Machine(layout, tso, pcid);
    for (int c = 0; c < layout.cpus; c++) {
      m.bootCr3(c, Vars.INIT_MM, 0);
      m.poke(layout.cell(vars.loadedMm(c)), Vars.INIT_MM);
      m.setReg(c, Vars.LOADED_MM_ASID, 0);
      m.setReg(c, Vars.NEXT_ASID, 1);
      m.setReg(c, Vars.ctxId(0), Vars.ctxIdOf(Vars.INIT_MM));
      m.setReg(c, Vars.CUR_MM, Vars.NULL_MM);
      m.setReg(c, Vars.ACTIVE_MM, Vars.INIT_MM);
      m.setReg(c, MmCode.KTHREAD, 1);
      // a CPU's flush_tlb_info is always its own (flush_tlb_mm_range's, on its stack), so
      // initiating_cpu names it from the start: renaming CPUs (Symmetry) then renames it too
      m.setReg(c, Vars.INFO_INITIATOR, c);
    }
    m.setGlobal(vars.created(Vars.INIT_MM), 1);
    m.setGlobal(Vars.NEXT_PFN, 0x100);
    m.setGlobal(Vars.NEXT_TABLE, 1);
    return m;
  }

  public String mmName(long mm) {
    if (mm == Vars.SWITCHING) {
      return "LOADED_MM_SWITCHING";
    } else if (mm == Vars.NULL_MM) {
      return "NULL";
    } else if (mm >= 0 && mm < mmNames.size()) {
      return mmNames.get((int) mm);
    }
    return "mm#" + mm;
  }

  // ------------------------------------------------------------------ frames

  /** Register offset of the frame at {@code level} (0 is the outermost), walking down the links. */
  private int frame(Machine m, int cpu, int level) {
    int f = (int) m.reg(cpu, TOP);
    for (int l = depth(m, cpu) - 1; l > level; l--) {
      f = (int) m.reg(cpu, f + F_LINK);
    }
    return f;
  }

  public int depth(Machine m, int cpu) {
    return (int) m.reg(cpu, DEPTH);
  }

  public void push(Machine m, int cpu, Routine r, long[] args, int handlerOf) {
    int d = depth(m, cpu);
    int below = (int) m.reg(cpu, TOP);
    int f = d == 0 ? FRAMES : below + F_LOCALS + routineAt(m, cpu, d - 1).frameSize();
    if (f + F_LOCALS + r.frameSize() > FRAMES + model.stackBound()) {
      throw new ModelBug("call stack of cpu" + cpu + " overflows its " + model.stackBound()
          + " registers calling " + r.name + " at depth " + d);
    }
    m.setReg(cpu, f + F_ROUTINE, model.indexOf(r));
    m.setReg(cpu, f + F_PC, 0);
    m.setReg(cpu, f + F_HANDLER_OF, handlerOf + 1);
    m.setReg(cpu, f + F_LINK, below);
    for (int i = 0; i < r.frameSize(); i++) {
      m.setReg(cpu, f + F_LOCALS + i, i < args.length ? args[i] : 0);
    }
    m.setReg(cpu, TOP, f);
    m.setReg(cpu, DEPTH, d + 1);
    clearDead(m, cpu, f, 0);
  }

  /** Returns from the innermost frame, and from every caller whose call was its last step. */
  private void pop(Machine m, int cpu) {
    popOne(m, cpu);
    while (depth(m, cpu) > 0 && pcAt(m, cpu, depth(m, cpu) - 1)
        >= routineAt(m, cpu, depth(m, cpu) - 1).steps.size()) {
      popOne(m, cpu);
    }
  }

  private void popOne(Machine m, int cpu) {
    int d = depth(m, cpu) - 1;
    int f = (int) m.reg(cpu, TOP);
    int size = F_LOCALS + routineAt(m, cpu, d).frameSize();
    int handlerOf = (int) m.reg(cpu, f + F_HANDLER_OF) - 1;
    int below = (int) m.reg(cpu, f + F_LINK);
    for (int i = 0; i < size; i++) {
      m.setReg(cpu, f + i, 0);
    }
    m.setReg(cpu, TOP, d == 0 ? 0 : below);
    m.setReg(cpu, DEPTH, d);
    if (handlerOf >= 0) {
      if (m.accesses != null) {
        m.accesses.write(Accesses.ack(layout, handlerOf), -1);
      }
      m.setReg(handlerOf, WAITING_FOR, m.reg(handlerOf, WAITING_FOR) & ~(1L << cpu));
    }
  }

  /** Whether CPU {@code cpu} runs its lane's current action (its outermost frame is not an IPI handler). */
  boolean runsLaneAction(Machine m, int cpu) {
    return depth(m, cpu) > 0 && m.reg(cpu, frame(m, cpu, 0) + F_HANDLER_OF) == 0;
  }

  /** Whether CPU {@code cpu} runs an IPI handler. */
  boolean inHandler(Machine m, int cpu) {
    int f = (int) m.reg(cpu, TOP);
    for (int i = depth(m, cpu) - 1; i >= 0; i--, f = (int) m.reg(cpu, f + F_LINK)) {
      if (m.reg(cpu, f + F_HANDLER_OF) != 0) {
        return true;
      }
    }
    return false;
  }

  /** Whether explorations clear the frame variables no step will read again (set by the explorer). */
  boolean clearDead;
  /** What the model's steps read of their frames ({@link Liveness}). */
  final Liveness liveness;

  /** Clears the variables of the frame at {@code f} that no step from {@code pc} on reads. */
  private void clearDead(Machine m, int cpu, int f, int pc) {
    if (!clearDead) {
      return;
    }
    for (long dead = liveness.dead((int) m.reg(cpu, f + F_ROUTINE), pc); dead != 0; dead &= dead - 1) {
      m.setReg(cpu, f + F_LOCALS + Long.numberOfTrailingZeros(dead), 0);
    }
  }

  public Routine routineAt(Machine m, int cpu, int level) {
    return model.routine((int) m.reg(cpu, frame(m, cpu, level) + F_ROUTINE));
  }

  public int pcAt(Machine m, int cpu, int level) {
    return (int) m.reg(cpu, frame(m, cpu, level) + F_PC);
  }

  /** The step the CPU runs next, or null when it runs no kernel code. */
  public Step nextStep(Machine m, int cpu) {
    int d = depth(m, cpu);
    if (d == 0) {
      return null;
    }
    Routine r = routineAt(m, cpu, d - 1);
    int pc = pcAt(m, cpu, d - 1);
    return pc < r.steps.size() ? r.steps.get(pc) : null;
  }

  /** Interrupts are on unless some frame on the stack runs with them off. */
  public boolean irqsOn(Machine m, int cpu) {
    int f = (int) m.reg(cpu, TOP);
    for (int i = depth(m, cpu) - 1; i >= 0; i--, f = (int) m.reg(cpu, f + F_LINK)) {
      if (model.routine((int) m.reg(cpu, f + F_ROUTINE)).irqsOff) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether some frame on {@code cpu}'s stack runs a routine that may send IPIs. (The same walk
   * as {@link #irqsOn}, written out: both run for every state the explorer visits.)
   */
  public boolean runsIpiSender(Machine m, int cpu) {
    int f = (int) m.reg(cpu, TOP);
    for (int i = depth(m, cpu) - 1; i >= 0; i--, f = (int) m.reg(cpu, f + F_LINK)) {
      if (model.sendsIpis((int) m.reg(cpu, f + F_ROUTINE))) {
        return true;
      }
    }
    return false;
  }

  /** Runnable: has kernel code to run and is not waiting. */
  public boolean runnable(Machine m, int cpu) {
    return depth(m, cpu) > 0 && runnable(m, cpu, nextStep(m, cpu));
  }

  /** Whether {@code cpu}, whose next step is {@code s}, can take it (a wait blocks until its condition holds). */
  public boolean runnable(Machine m, int cpu, Step s) {
    return s == null || s.type() != Step.Type.WAIT || s.cond().test(exec(m, cpu, null));
  }

  // ------------------------------------------------------------------ execution

  /** Runs one step of {@code cpu}'s innermost frame. */
  public void step(Machine m, int cpu, Observer obs) {
    int d = depth(m, cpu);
    int f = (int) m.reg(cpu, TOP);
    Routine r = routineAt(m, cpu, d - 1);
    int pc = (int) m.reg(cpu, f + F_PC);
    Step s = r.steps.get(pc);
    CpuExec x = exec(m, cpu, obs);
    x.step = s;
    int next;
    try {
      next = run(m, cpu, obs, f, r, pc, s, x);
    } catch (Machine.StoreBufferFull full) {
      throw new ModelBug(full.getMessage() + ", at " + r.name + ":" + s.label()
          + " (exploring on would lose the interleavings in which the oldest drains later)");
    }
    if (x.shared > 0 && isPrivate(s)) {
      throw new ModelBug(r.name + ":" + s.label() + " is declared " + s.access()
          + " (private) but touched shared memory: declare it R, W, RMW or F");
    }
    if (next == PUSHED || next == BLOCKED) {
      return;
    }
    if (next == RETURNED || next >= r.steps.size()) {
      pop(m, cpu);
    } else {
      m.setReg(cpu, f + F_PC, next);
      clearDead(m, cpu, f, next);
    }
  }

  private static final int PUSHED = -1;
  private static final int BLOCKED = -2;
  private static final int RETURNED = -3;

  /** Whether the last step run read its CPU's own state (see {@link CpuExec#readsCpu}). */
  boolean lastStepReadCpuState() {
    return exec.readsCpu;
  }

  /**
   * Private steps (P, and control flow other than waiting) touch only their CPU's registers and
   * frame: they commute with every other move, which is what partial-order reduction uses.
   */
  public static boolean isPrivate(Step s) {
    return (s.access() == org.tlbscript.kernels.Access.P || s.access() == org.tlbscript.kernels.Access.CTL)
        && s.type() != Step.Type.WAIT;
  }

  /** Runs step {@code s} and returns the next pc, or PUSHED, BLOCKED, RETURNED. */
  private int run(Machine m, int cpu, Observer obs, int f, Routine r, int pc, Step s, CpuExec x) {
    int next = pc + 1;
    boolean ret = false;
    switch (s.type()) {
      case DO -> {
        s.effect().run(x);
        if (s.target() != null) {
          next = r.target(pc);
        }
      }
      case GOTO -> {
        if (s.cond().test(x)) {
          next = r.target(pc);
          x.note("→ " + (next < r.steps.size() ? r.steps.get(next).label() : "return"));
        }
      }
      case RETURN -> ret = s.cond() == null || s.cond().test(x);
      case WAIT -> {
        if (!s.cond().test(x)) {
          return BLOCKED;
        }
        if (s.effect() != null) { // what the wait was for, at once (a spinlock taken)
          s.effect().run(x);
        }
      }
      case CALL -> {
        long[] args = s.args().apply(x);
        m.setReg(cpu, f + F_PC, next);
        clearDead(m, cpu, f, next);
        if (obs != null) {
          obs.step(cpu, r, s, x.notes());
        }
        push(m, cpu, model.routine(s.callee()), args, -1);
        return PUSHED;
      }
      default -> throw new IllegalStateException();
    }
    if (obs != null) {
      if (s.type() == Step.Type.RETURN && ret) {
        x.note("return");
      }
      if (s.type() != Step.Type.RETURN || ret) {
        obs.step(cpu, r, s, x.notes());
      } else if (x.notes().isEmpty()) {
        obs.step(cpu, r, s, "no");
      } else {
        obs.step(cpu, r, s, x.notes());
      }
    }
    return ret ? RETURNED : next;
  }

  /** Interrupt entry on {@code target} for the IPI from {@code sender}: its handler is pushed. */
  public void deliverIpi(Machine m, int target, int sender, Observer obs) {
    m.takeIpi(target, sender);
    // compare's "woken while idle": the scheduler register says a kernel thread/idle runs here
    if (m.reg(target, MmCode.KTHREAD) != 0 && layout.counts(Counter.WOKEN_IDLE)) {
      m.setReg(target, WOKEN_IDLE, m.reg(target, WOKEN_IDLE) + 1);
    }
    if (m.accesses != null) {
      m.accesses.read(Accesses.ack(layout, sender), -1);
    }
    Routine handler = model.routine((int) m.reg(sender, IPI_HANDLER));
    if (obs != null) {
      obs.event(new Observer.Event(Observer.Event.Kind.IPI, target,
          "cpu" + target + " takes the IPI from cpu" + sender + ": " + handler.name));
    }
    push(m, target, handler, new long[] {sender}, sender);
  }

  /**
   * The canonical schedule of a sequential action: the acting CPU runs until it finishes or
   * waits; meanwhile other CPUs finish what they are running and take pending IPIs (lowest
   * CPU first) wherever interrupts are on.
   */
  public void runToCompletion(Machine m, int actor, Observer obs) {
    runToCompletion(m, actor, depth(m, actor) - 1, obs);
  }

  /**
   * Runs {@code actor} until its depth drops to {@code until}. CPUs paused in the middle of an
   * action (by manual stepping) are not advanced, except for IPI handlers taken on top of them;
   * every step's stores drain at once (the canonical schedule is sequentially consistent).
   */
  public void runToCompletion(Machine m, int actor, int until, Observer obs) {
    int[] base = new int[layout.cpus];
    for (int c = 0; c < layout.cpus; c++) {
      base[c] = c == actor ? until : depth(m, c);
    }
    for (int steps = 0; steps < STEP_LIMIT; steps++) {
      int c = pick(m, actor, base);
      if (c == -1) {
        return;
      }
      if (c < 0) {
        int target = -c - 2;
        long pending = m.pendingIpis(target);
        deliverIpi(m, target, Long.numberOfTrailingZeros(pending), obs);
      } else {
        step(m, c, obs);
        m.fence(c);
      }
      selfCheck(m, obs);
    }
    throw new ModelBug("no progress after " + STEP_LIMIT + " steps");
  }

  /** The next CPU to step (≥ 0), an IPI delivery to CPU t (-t - 2), or -1 when done. */
  private int pick(Machine m, int actor, int[] base) {
    if (depth(m, actor) > base[actor] && runnable(m, actor)) {
      return actor;
    }
    for (int c = 0; c < layout.cpus; c++) {
      if (c != actor && depth(m, c) > base[c] && runnable(m, c)) {
        return c;
      }
    }
    for (int c = 0; c < layout.cpus; c++) {
      if (m.pendingIpis(c) != 0 && irqsOn(m, c)) {
        return -c - 2;
      }
    }
    if (depth(m, actor) <= base[actor]) {
      return -1;
    }
    for (int c = 0; c < layout.cpus; c++) {
      if (m.pendingIpis(c) != 0 && depth(m, c) > 0) {
        throw new Stuck("cpu" + actor + " waits at " + nextStep(m, actor).label() + " for an IPI handler on cpu"
            + c + ", which is paused at " + where(m, c) + " with interrupts off",
            "step cpu" + c + " out of it first (cpu" + c + " step, or cpu" + c + " finish)");
      }
    }
    for (int c = 0; c < layout.cpus; c++) {
      if (c != actor && depth(m, c) > 0) { // e.g. a fault waiting for the PTE lock a paused remap holds
        throw new Stuck("cpu" + actor + " waits at " + where(m, actor) + " while cpu" + c + " is paused at "
            + where(m, c), "step cpu" + c + " on first (cpu" + c + " step, or cpu" + c + " finish)");
      }
    }
    Step s = nextStep(m, actor);
    throw new ModelBug("deadlock: cpu" + actor + " waits at " + (s == null ? "?" : s.label())
        + " and no CPU can run");
  }

  /** function:label of the step the CPU runs next. */
  public String where(Machine m, int cpu) {
    Step s = nextStep(m, cpu);
    return s == null ? "(between steps)" : s.function() + ":" + s.label();
  }

  /** A run that cannot go on because of how the user paused CPUs (not a model bug). */
  public static final class Stuck extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public final String hint;

    Stuck(String message, String hint) {
      super(message);
      this.hint = hint;
    }
  }

  public long laneNext(Machine m, int cpu) {
    return m.reg(cpu, LANE_NEXT);
  }

  public void setLaneNext(Machine m, int cpu, long v) {
    m.setReg(cpu, LANE_NEXT, v);
  }

  /** I-asid and I-gen after every step; a failure is a bug in the model, never in the kernel. */
  public void selfCheck(Machine m, Observer obs) {
    for (int c = 0; c < layout.cpus; c++) {
      selfCheck(m, c);
    }
  }

  /**
   * The self-checks of one CPU. Both invariants are about the CPU's own registers and TLB
   * against memory that only grows "newer", so after a move only the moving CPU can break them.
   */
  public void selfCheck(Machine m, int c) {
    {
      String problem = null;
      if (irqsOn(m, c)) {
        problem = checkers.asidInvariant(m, c, model.selfChecks);
      }
      if (problem == null && model.selfChecks.contains(SelfCheck.SLOT_GENERATION)) {
        problem = checkers.genInvariant(m, c);
      }
      if (problem != null) {
        throw new ModelBug("cpu" + c + ": " + problem);
      }
    }
  }

  public long staleUses(Machine m, int cpu) {
    return m.reg(cpu, STALE_USES);
  }

  public long freedWalks(Machine m, int cpu) {
    return m.reg(cpu, FREED_WALKS);
  }

  /** IPIs taken by {@code cpu} while it ran a kernel thread or idle (see {@link #WOKEN_IDLE}). */
  public long wokenIdle(Machine m, int cpu) {
    return m.reg(cpu, WOKEN_IDLE);
  }

  public long firstStaleUse(Machine m, int cpu) {
    return m.reg(cpu, STALE_VA);
  }

  public long firstFreedWalk(Machine m, int cpu) {
    return m.reg(cpu, FREED_VA);
  }

  /** A readable name for memory address {@code addr}: a kernel cell, a PTE or a PMD entry. */
  public String addressName(int addr) {
    for (int cell = 0; cell < vars.sharedCells(); cell++) {
      if (layout.cell(cell) == addr) {
        return vars.cellName(cell, this::mmName);
      }
    }
    for (int mm = 0; mm < vars.mms; mm++) {
      for (int p = 0; p < layout.pages(); p++) {
        if (layout.pteCell(mm, p) == addr) {
          return "pte(" + mmName(mm) + ", " + hex(layout.pageAddress(p)) + ")";
        }
      }
      for (int g = 0; g < layout.regions(); g++) {
        if (layout.pmdCell(mm, g) == addr) {
          return "pmd(" + mmName(mm) + ", " + hex(layout.regionAddress(g)) + ")";
        }
      }
    }
    return "memory[" + addr + "]";
  }

  /**
   * A speculative page walk by the hardware (any time, in any mode, through the current CR3):
   * observed like a user access for freed tables, never for staleness.
   */
  public Machine.Access speculate(Machine m, int cpu, long va, Observer obs) {
    Machine.Access a = m.translate(cpu, va, false);
    observeWalk(m, cpu, va, a, obs);
    return a;
  }

  private void observeWalk(Machine m, int cpu, long va, Machine.Access a, Observer obs) {
    int page = layout.page(va);
    if (a.table() != 0 && page >= 0 && checkers.isFreed(m, layout.regionOf(page), a.table())) {
      // A flag, not a count: with speculation the walker may go through a cached PDE of a freed
      // table any number of times, each walk changing nothing but this ghost, and a count made
      // every such block's state space infinite. No step reads it and every reader asks only
      // whether the CPU walked one (freed-walk none/cpuN, the first state where it did), so
      // states that differ only in the count have the same futures and verdicts. The address
      // kept is the first walk's, the one the first event names.
      if (m.reg(cpu, FREED_WALKS) == 0) {
        m.setReg(cpu, FREED_WALKS, 1);
        m.setReg(cpu, FREED_VA, va);
      }
      if (obs != null) {
        obs.event(new Observer.Event(Observer.Event.Kind.FREED_WALK, cpu, "cpu" + cpu
            + " walked freed page table #" + a.table() + " (cached PDE for " + hex(va)
            + ", ASID " + m.cr3Asid(cpu) + ")"));
      }
    }
  }

  private void observeUse(Machine m, int cpu, long va, boolean write, Machine.Access a, Observer obs) {
    observeWalk(m, cpu, va, a, obs);
    if (a.kind() != Machine.Access.Kind.HIT) {
      return;
    }
    int page = layout.page(va);
    int root = Machine.entryRoot(a.entry());
    String why = checkers.staleness(m, a.entry(), page);
    if (why != null && !write && root == m.cr3Root(cpu) && checkers.onlyStillWritable(m, a.entry(), page)) {
      // after a downgrade to read-only the entry still names the right page: a read through it
      // is what the PTE allows; the danger is a write, which `assert stale` keeps catching
      why = null;
    }
    if (why == null && root != m.cr3Root(cpu)) {
      why = "it was filled for " + mmName(root) + " under the same ASID";
    }
    if (why != null && (root != m.cr3Root(cpu) || checkers.covered(m, root, page))) {
      long uses = m.reg(cpu, STALE_USES);
      if (uses == 0) {
        m.setReg(cpu, STALE_VA, va);
      }
      if (uses == 0 || layout.counts(Counter.STALE_USES)) {
        m.setReg(cpu, STALE_USES, uses + 1);
      }
      if (obs != null) {
        obs.event(new Observer.Event(Observer.Event.Kind.STALE_USE, cpu, "cpu" + cpu
            + (write ? " wrote through" : " used") + " a stale TLB entry for " + hex(va) + " (ASID "
            + m.cr3Asid(cpu) + ", pfn " + Machine.entryPfn(a.entry()) + "): " + why
            + " and the flush has returned"));
      }
    }
  }

  static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  // ------------------------------------------------------------------ Exec

  /** One view, reset for each step: a step never runs inside another (the engine is single-threaded). */
  private final CpuExec exec = new CpuExec();

  CpuExec exec(Machine m, int cpu, Observer obs) {
    return exec.reset(m, cpu, obs);
  }

  /** The view a kernel step has of the machine while running on one CPU. */
  final class CpuExec implements Exec {
    private Machine m;
    private int cpu;
    private Observer obs;
    private int frame;
    private StringBuilder notes;
    /** Shared-memory accesses made by the current step (private steps must make none). */
    int shared;
    /**
     * Whether the current step read this CPU's own state (registers, per-CPU variables, CR3),
     * which an IPI handler taken on it may change: such a step does not commute with taking one.
     */
    boolean readsCpu;
    /** The step running (null for a plain program's). */
    Step step;
    /** The routine (its model index) and pc of the frame this view reads, or -1. */
    private int routineIndex;
    private int pc;

    CpuExec reset(Machine m, int cpu, Observer obs) {
      this.m = m;
      this.cpu = cpu;
      this.obs = obs;
      this.frame = (int) m.reg(cpu, TOP);
      boolean running = m.reg(cpu, DEPTH) > 0;
      this.routineIndex = running ? (int) m.reg(cpu, frame + F_ROUTINE) : -1;
      this.pc = running ? (int) m.reg(cpu, frame + F_PC) : 0;
      this.notes = null;
      this.shared = 0;
      this.readsCpu = false;
      this.step = null;
      return this;
    }

    String notes() {
      return notes == null ? "" : notes.toString();
    }

    @Override
    public int cpu() {
      return cpu;
    }

    @Override
    public int cpus() {
      return layout.cpus;
    }

    @Override
    public int cpumaskNext(long after, long mask) {
      if (cpuOrderSeenAt == null && step != null) {
        cpuOrderSeenAt = routineAt(m, cpu, depth(m, cpu) - 1).name + ":" + step.label();
      }
      long rest = after < 0 ? mask : mask & ~((2L << after) - 1);
      return rest == 0 ? layout.cpus : Long.numberOfTrailingZeros(rest);
    }

    @Override
    public Vars vars() {
      return vars;
    }

    @Override
    public long ceiling() {
      return ceiling;
    }

    @Override
    public boolean pcid() {
      return pcid;
    }

    @Override
    public long get(Local l) {
      if (routineIndex >= 0) {
        liveness.read(routineIndex, pc, l.slot());
      }
      return m.reg(cpu, frame + F_LOCALS + l.slot());
    }

    @Override
    public void set(Local l, long v) {
      m.setReg(cpu, frame + F_LOCALS + l.slot(), v);
    }

    private String cellName(int cell) {
      return vars.cellName(cell, i -> mmName(i));
    }

    private String value(int cell, long v) {
      if (cell < vars.cpus) {
        return mmName(v);
      }
      return cell >= vars.cpumask(0) && cell < vars.tlbState(0) ? cpuSet(v) : Long.toString(v);
    }

    @Override
    public long load(int cell) {
      shared++;
      long v = m.load(cpu, layout.cell(cell));
      if (tracing()) {
        note(cellName(cell) + " = " + value(cell, v));
      }
      return v;
    }

    /**
     * The ownership rules the explorer's reduction relies on: loaded_mm and is_lazy are written
     * only by their CPU, and a cpumask bit only by its CPU. A model that breaks one is a model bug.
     */
    private void owned(int cell, long bits) {
      if (cell >= vars.sharedCells()) {
        return; // a plain program's location (litmus tests)
      }
      int owner = vars.ownerOf(cell);
      if (owner >= 0 && owner != cpu || vars.isCpumask(cell) && bits != 1L << cpu) {
        throw new ModelBug("cpu" + cpu + " writes " + cellName(cell) + (vars.isCpumask(cell)
            ? " bits " + cpuSet(bits) : "") + ": only the owning CPU may (the explorer relies on it)");
      }
    }

    @Override
    public void store(int cell, long v) {
      owned(cell, -1);
      shared++;
      m.store(cpu, layout.cell(cell), v);
      if (tracing()) {
        note(cellName(cell) + " := " + value(cell, v) + (m.tso ? " (buffered)" : ""));
      }
    }

    @Override
    public long rmwAdd(int cell, long delta) {
      owned(cell, -1);
      shared++;
      long v = m.rmwAdd(cpu, layout.cell(cell), delta);
      if (cell >= vars.tlbGen(0) && cell < vars.tlbGen(0) + vars.mms) {
        publish(cell - vars.tlbGen(0), v); // inc_mm_tlb_gen covers this CPU's pending changes
      }
      if (tracing()) {
        note(cellName(cell) + " := " + v);
      }
      return v;
    }

    @Override
    public void rmwBits(int cell, long bits, boolean set) {
      owned(cell, bits);
      shared++;
      m.rmwBits(cpu, layout.cell(cell), bits, set);
      if (tracing()) {
        note(cellName(cell) + " := " + value(cell, m.s[layout.cell(cell)]));
      }
    }

    @Override
    public long cmpxchg(int cell, long expected, long value) {
      owned(cell, -1);
      shared++;
      long old = m.cmpxchg(cpu, layout.cell(cell), expected, value);
      if (tracing()) {
        note(cellName(cell) + (old == expected ? " := " + value(cell, value) : " = " + value(cell, old)
            + " (cmpxchg failed)"));
      }
      return old;
    }

    @Override
    public long xchg(int cell, long value) {
      owned(cell, -1);
      shared++;
      long old = m.xchg(cpu, layout.cell(cell), value);
      if (tracing()) {
        note(cellName(cell) + " := " + value(cell, value) + " (was " + value(cell, old) + ")");
      }
      return old;
    }

    @Override
    public long jiffies() {
      return m.global(Vars.JIFFIES);
    }

    @Override
    public void fence() {
      shared++;
      m.fence(cpu);
    }

    @Override
    public long own(int cell) {
      if (vars.ownerOf(cell) != cpu && cell != vars.tlbState(cpu)) {
        throw new ModelBug("cpu" + cpu + " reads " + cellName(cell) + " as its own");
      }
      readsCpu = true;
      return m.loadOwn(cpu, layout.cell(cell));
    }

    @Override
    public long ownBit(int cell) {
      readsCpu = true;
      if (!vars.isCpumask(cell)) {
        throw new ModelBug("ownBit of " + cellName(cell) + ", which is not a cpumask");
      }
      long bit = m.loadOwn(cpu, layout.cell(cell)) >>> cpu & 1;
      if (tracing()) {
        note("cpu" + cpu + (bit != 0 ? " ∈ " : " ∉ ") + cellName(cell));
      }
      return bit;
    }

    @Override
    public long loadPte(int mm, int page) {
      shared++;
      return m.load(cpu, layout.pteCell(mm, page));
    }

    @Override
    public void storePte(int mm, int page, long pte) {
      shared++;
      m.store(cpu, layout.pteCell(mm, page), pte);
      if (tracing()) {
        note("pte(" + mmName(mm) + ", " + hex(layout.pageAddress(page)) + ") := " + pteText(pte));
      }
    }

    @Override
    public long xchgPte(int mm, int page, long pte) {
      shared++;
      m.fence(cpu);
      long old = m.memory(layout.pteCell(mm, page));
      m.poke(layout.pteCell(mm, page), pte);
      if (tracing() && old != pte) {
        note("pte(" + mmName(mm) + ", " + hex(layout.pageAddress(page)) + ") " + pteText(old) + " → "
            + pteText(pte));
      }
      return old;
    }

    @Override
    public long loadPmd(int mm, int region) {
      shared++;
      return m.load(cpu, layout.pmdCell(mm, region));
    }

    @Override
    public void storePmd(int mm, int region, long table) {
      shared++;
      m.store(cpu, layout.pmdCell(mm, region), table);
      if (tracing()) {
        note("pmd(" + mmName(mm) + ", " + hex(layout.regionAddress(region)) + ") := "
            + (table == 0 ? "none" : "table #" + table));
      }
    }

    @Override
    public long reg(int r) {
      readsCpu = true;
      return m.reg(cpu, r);
    }

    /**
     * A CPU's flush_tlb_info is read by the handlers of the IPIs it sent ({@link #regOf}), which
     * the reduction does not count as a shared access; so it may change only while no handler of
     * this CPU's IPIs can still run: when every target has returned. A model that breaks this is
     * a model bug.
     */
    @Override
    public void setReg(int r, long v) {
      if (r >= Vars.INFO_MM && r <= Vars.INFO_TRIM && m.reg(cpu, WAITING_FOR) != 0
          && m.reg(cpu, r) != v) {
        throw new ModelBug("cpu" + cpu + " rewrites its flush_tlb_info while the handlers of its IPIs to "
            + cpuSet(m.reg(cpu, WAITING_FOR)) + " may still read it (the explorer relies on it)");
      }
      if (r >= Vars.INFO_MM && r <= Vars.INFO_TRIM) {
        ackWritten(cpu);
      }
      m.setReg(cpu, r, v);
    }

    @Override
    public long regOf(int other, int r) {
      if (m.accesses != null) {
        m.accesses.read(Accesses.ack(layout, other), -1);
      }
      return m.reg(other, r);
    }

    /** This CPU's flush_tlb_info or wait mask changes: the handlers of its IPIs read them. */
    private void ackWritten(int c) {
      if (m.accesses != null) {
        m.accesses.write(Accesses.ack(layout, c), -1);
      }
    }

    @Override
    public Machine hw() {
      readsCpu = true;
      return m;
    }

    @Override
    public Layout layout() {
      return layout;
    }

    @Override
    public int cr3Root() {
      readsCpu = true;
      return m.cr3Root(cpu);
    }

    @Override
    public int cr3Asid() {
      readsCpu = true;
      return m.cr3Asid(cpu);
    }

    @Override
    public void writeCr3(int mm, int asid, boolean noflush) {
      shared++;
      m.writeCr3(cpu, mm, asid, noflush);
      if (tracing()) {
        note("CR3 := " + mmName(mm) + ".pgd | pcid " + m.pcidOf(asid)
            + (noflush ? " | NOFLUSH" : m.pcid ? " (flush pcid " + m.pcidOf(asid) + ")" : " (flush all)"));
      }
    }

    @Override
    public void invlpg(long va) {
      shared++;
      m.invlpg(cpu, va);
      if (tracing()) {
        note("invlpg " + hex(va));
      }
    }

    @Override
    public Machine.Access userAccess(long va, boolean write) {
      shared++; // the page walk reads the page tables in memory
      m.memoryTouches++; // and the checkers compare even a TLB hit with memory: never private
      Machine.Access a = m.translate(cpu, va, write);
      if (tracing()) {
        note(switch (a.kind()) {
          case HIT -> "TLB hit, pfn " + Machine.entryPfn(a.entry());
          case FILLED -> "page walk" + (a.viaPsc() ? " (cached PDE)" : "") + ", filled pfn "
              + Machine.entryPfn(a.entry());
          case NOT_PRESENT -> "not present: page fault";
          case PROTECTION -> "write to a read-only page: page fault";
        });
      }
      observeUse(m, cpu, va, write, a, obs);
      return a;
    }

    @Override
    public void sendIpis(long targets, String handler) {
      sendIpis(targets, handler, true);
    }

    @Override
    public void sendIpisUnordered(long targets, String handler) {
      sendIpis(targets, handler, false);
    }

    private void sendIpis(long targets, String handler, boolean ordered) {
      if (step != null && step.access() != org.tlbscript.kernels.Access.IPI) {
        throw new ModelBug(step.label() + " sends IPIs but is declared " + step.access()
            + ": declare it IPI (the explorer asks which routines can send)");
      }
      if (!model.routine(handler).irqsOff) {
        throw new ModelBug("IPI handler " + handler + " runs with interrupts on: handlers must not "
            + "nest (the call stack is sized for one)");
      }
      shared++;
      ackWritten(cpu);
      m.setReg(cpu, WAITING_FOR, targets);
      m.setReg(cpu, IPI_HANDLER, model.indexOf(model.routine(handler)));
      m.sendIpis(cpu, targets, ordered);
      if (tracing()) {
        note(targets == 0 ? "no targets" : "IPI → " + cpuSet(targets));
      }
    }

    @Override
    public boolean ipisDone() {
      if (m.accesses != null) {
        m.accesses.read(Accesses.ack(layout, cpu), -1);
      }
      return m.reg(cpu, WAITING_FOR) == 0;
    }

    @Override
    public long allocPfn() {
      ghostShared();
      long pfn = m.global(Vars.NEXT_PFN);
      m.setGlobal(Vars.NEXT_PFN, pfn + 1);
      return pfn;
    }

    @Override
    public int allocTable(int mm, int region) {
      ghostShared();
      long id = m.global(Vars.NEXT_TABLE);
      if (id > Vars.MAX_TABLES) {
        throw new ModelBug("more than " + Vars.MAX_TABLES + " page tables in one scenario");
      }
      m.setGlobal(Vars.NEXT_TABLE, id + 1);
      return (int) id;
    }

    @Override
    public void freeTable(long table) {
      ghostShared();
      m.setGlobal(Vars.FREED_TABLES, m.global(Vars.FREED_TABLES) | 1L << table);
    }

    /**
     * Ghost: a change is pending (-(cpu + 1)) until the CPU that made it publishes a generation,
     * by bumping tlb_gen or, in eras without one, when its flush returns. Concurrent flushers
     * can bump tlb_gen in any order, so only the changing CPU's own bump covers its change.
     */
    @Override
    public void pteChanged(int mm, int page) {
      ghostShared();
      m.setGlobal(vars.changeGen(mm, page), -(cpu + 1));
    }

    // The lock word is shared memory, so taking or testing it is a shared access: a move that
    // takes a lock another CPU waits for is not private (partial-order reduction).
    @Override
    public int ptlHolder(int mm, int page) {
      shared++;
      m.memoryTouches++;
      return (int) m.global(vars.ptl(mm, layout.regionOf(page))) - 1;
    }

    @Override
    public void ptl(int mm, int page, boolean lock) {
      shared++;
      m.memoryTouches++;
      m.setGlobal(vars.ptl(mm, layout.regionOf(page)), lock ? cpu + 1 : 0);
    }

    /**
     * A ghost cell that other CPUs' moves read or write (an allocator, the freed tables, the
     * generations the stale-use checker compares) orders like shared memory: a step that writes
     * one is not private for the reduction, though the kernel step it models may be (a flush's
     * return, a page-table free). Not {@link #shared}: the kernel step touches no memory.
     */
    private void ghostShared() {
      m.memoryTouches++;
    }

    private void publish(int mm, long gen) {
      for (int p = 0; p < layout.pages(); p++) {
        int g = vars.changeGen(mm, p);
        if (m.global(g) == -(cpu + 1)) {
          m.setGlobal(g, gen);
        }
      }
    }

    @Override
    public void flushReturned(int mm, long gen) {
      ghostShared();
      publish(mm, gen);
      int g = vars.completedGen(mm);
      m.setGlobal(g, Math.max(m.global(g), gen));
    }

    @Override
    public boolean tracing() {
      return obs != null;
    }

    @Override
    public void note(String text) {
      if (obs == null) {
        return;
      }
      if (notes == null) {
        notes = new StringBuilder();
      } else {
        notes.append("; ");
      }
      notes.append(text);
    }

    @Override
    public String mmName(long mm) {
      return Engine.this.mmName(mm);
    }
  }

  public static String cpuSet(long mask) {
    StringBuilder sb = new StringBuilder("{");
    for (int c = 0; c < 64; c++) {
      if ((mask >>> c & 1) != 0) {
        sb.append(sb.length() > 1 ? " " : "").append("cpu").append(c);
      }
    }
    return sb.append('}').toString();
  }

  static String pteText(long pte) {
    return pte == 0 ? "none" : "pfn " + Machine.ptePfn(pte) + (Machine.pteWritable(pte) ? " rw" : " ro");
  }
}
