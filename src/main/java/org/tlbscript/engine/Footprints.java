package org.tlbscript.engine;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tlbscript.engine.Explorer.Start;
import org.tlbscript.hw.Accesses;
import org.tlbscript.hw.Layout;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Entry;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Vars;

/**
 * What each CPU may still touch from a state on: its <em>future footprint</em>, the resources
 * (see {@link Accesses}) that every move it can still make reads or writes, whatever the other
 * CPUs do. The footprint reduction ({@link Moves#next}) explores only the moves of a set of CPUs
 * whose moves no other CPU's future footprint conflicts with.
 *
 * <p>Footprints are declared per kind of action ({@link Kind}), the same for every model, and
 * wide: a switch may read any mm's tlb_gen, a flush may read every CPU's loaded_mm. What a
 * CPU may still do is the union of the footprints of the actions left in its lane (the one
 * running included), of the IPI handler while another CPU may still send it one, of the stores
 * in its buffer, and of its page walker under speculation. It only shrinks as the CPU moves.
 * Soundness rests on the declarations covering every access, so the engine checks them: with
 * {@code -Dtlbscript.checkFootprints=true} (on in the test suite) every move's recorded accesses
 * must lie in its CPU's footprint at the state it leaves, or the run stops with a model bug.
 */
final class Footprints {
  /** How an action may touch shared resources. */
  enum Kind {
    /** context_switch, use/unuse, leave: this CPU's per-CPU cells and cpumask bits, tlb_gen reads */
    SWITCH,
    /** a user access and its fault: page walks, installing a PTE page and a PTE */
    ACCESS,
    /** installing a PTE */
    MAP,
    /** a page-table change and its flush: everything of the mm, every CPU's per-CPU cells, IPIs */
    FLUSH,
    /** anything (plain programs, init_new_context) */
    ANY
  }

  /** Whether every move checks its accesses against its CPU's footprint (the test suite sets it). */
  static volatile boolean check = Boolean.getBoolean("tlbscript.checkFootprints");

  private final Engine engine;
  private final Layout l;
  private final Vars v;
  private final int size;
  final List<List<Start>> lanes;
  /** Per CPU and lane position i: the reads and writes of the actions from i to the lane's end. */
  private final long[][][] baseR;
  private final long[][][] baseW;
  /** Per CPU and lane position i: whether an action from i on may send IPIs. */
  private final boolean[][] sendsFrom;
  /** Per CPU: the IPI handler's footprint. */
  final long[][] handlerR;
  final long[][] handlerW;
  /** What a CPU's page walker reads (any mm's page tables and the freed-table ghost). */
  private final long[] walkerR;
  private final boolean speculate;

  Footprints(Engine engine, List<List<Start>> lanes, boolean speculate) {
    this.engine = engine;
    this.l = engine.layout;
    this.v = engine.vars;
    this.size = Accesses.resources(l);
    this.lanes = lanes;
    this.speculate = speculate;
    Map<Routine, Kind> kinds = kinds();
    int cpus = l.cpus;
    handlerR = new long[cpus][];
    handlerW = new long[cpus][];
    baseR = new long[cpus][][];
    baseW = new long[cpus][][];
    sendsFrom = new boolean[cpus][];
    for (int c = 0; c < cpus; c++) {
      long[][] h = handler(c);
      handlerR[c] = h[0];
      handlerW[c] = h[1];
      List<Start> lane = c < lanes.size() ? lanes.get(c) : List.of();
      baseR[c] = new long[lane.size() + 1][size];
      baseW[c] = new long[lane.size() + 1][size];
      sendsFrom[c] = new boolean[lane.size() + 1];
      for (int i = lane.size() - 1; i >= 0; i--) {
        Start st = lane.get(i);
        Kind k = kinds.getOrDefault(st.routine(), Kind.ANY);
        long[][] f = st.writes() != null ? declaredBy(st)
            : action(k, c, st.args().length > 0 ? (int) st.args()[0] : 0);
        or(baseR[c][i], baseR[c][i + 1], f[0]);
        or(baseW[c][i], baseW[c][i + 1], f[1]);
        sendsFrom[c][i] = sendsFrom[c][i + 1] || st.writes() == null && (k == Kind.FLUSH || k == Kind.ANY);
      }
    }
    walkerR = new long[size];
    for (int mm = 0; mm < v.mms; mm++) {
      pageTables(walkerR, mm);
    }
    walkerR[Vars.FREED_TABLES] = -1;
  }

  /** The kind of each model routine that starts an action. */
  private Map<Routine, Kind> kinds() {
    Map<Routine, Kind> out = new HashMap<>();
    for (Entry e : Entry.values()) {
      Routine r = engine.model.entry(e);
      if (r == null) {
        continue;
      }
      Kind k = switch (e) {
        case SWITCH_TO_USER, SWITCH_TO_KTHREAD, USE_MM, UNUSE_MM, LEAVE -> Kind.SWITCH;
        case USER_ACCESS -> Kind.ACCESS;
        case MAP -> Kind.MAP;
        case MUNMAP, MPROTECT, REMAP, FREE_TABLES, FLUSH_RANGE, FLUSH_ALL, EXIT, RECLAIM, COLLAPSE -> Kind.FLUSH;
        case INIT_NEW_CONTEXT -> Kind.ANY;
      };
      Kind before = out.put(r, k);
      if (before != null && before != k) {
        out.put(r, Kind.ANY); // one routine for two kinds of action: assume anything
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- declarations

  /** Reads and writes of an action of kind {@code k} on CPU {@code c} naming mm {@code mm}. */
  private long[][] action(Kind k, int c, int mm) {
    long[] r = new long[size];
    long[] w = new long[size];
    if (mm < 0 || mm >= v.mms) {
      mm = 0;
    }
    switch (k) {
      case SWITCH -> switching(r, w, c);
      case ACCESS -> {
        for (int x = 0; x < v.mms; x++) {
          pageTables(r, x); // the walk goes through whatever CR3 holds
          generations(r, x); // the stale-use checker compares with the ghosts
        }
        faulting(r, w, mm);
      }
      case MAP -> faulting(r, w, mm);
      case FLUSH -> {
        faulting(r, w, mm);
        generations(w, mm);
        pageTables(w, mm);
        w[Vars.FREED_TABLES] = -1;
        w[v.exited(mm)] = -1;
        w[v.created(mm)] = -1;
        w[cell(v.tlbGen(mm))] = -1;
        w[cell(v.nextTrim(mm))] = -1;
        r[Vars.JIFFIES] = -1;
        r[cell(v.cpumask(mm))] = -1;
        w[cell(v.cpumask(mm))] |= 1L << c;
        for (int d = 0; d < l.cpus; d++) {
          r[cell(v.loadedMm(d))] = -1;
          r[cell(v.isLazy(d))] = -1;
          w[cell(v.tlbState(d))] = -1; // the 2018 v1 series flips a remote CPU's state
          if (d != c) {
            w[Accesses.ipi(l, d)] = -1;
          }
        }
        w[Accesses.ack(l, c)] = -1;
        switching(r, w, c); // exit_mm's enter_lazy_tlb
        long[][] h = handler(c); // the local flush runs the handler's code
        or(r, r, h[0]);
        or(w, w, h[1]);
      }
      case ANY -> {
        Arrays.fill(w, -1);
      }
    }
    return new long[][] {r, w};
  }

  /** A plain program's thread: the addresses it says it reads and writes. */
  private long[][] declaredBy(Start st) {
    long[] r = new long[size];
    long[] w = new long[size];
    for (int a : st.reads()) {
      r[a] = -1;
    }
    for (int a : st.writes()) {
      w[a] = -1;
    }
    return new long[][] {r, w};
  }

  /** A switch on CPU c: its per-CPU cells and its bit of every cpumask; any mm's tlb_gen. */
  private void switching(long[] r, long[] w, int c) {
    ownCells(w, c);
    for (int x = 0; x < v.mms; x++) {
      r[cell(v.tlbGen(x))] = -1;
      w[cell(v.cpumask(x))] |= 1L << c;
    }
  }

  /** The flush handler on CPU c: what a switch touches, and its senders' flush_tlb_info and wait masks. */
  private long[][] handler(int c) {
    long[] r = new long[size];
    long[] w = new long[size];
    switching(r, w, c);
    for (int d = 0; d < l.cpus; d++) {
      if (d != c) {
        w[Accesses.ack(l, d)] = -1;
      }
    }
    w[Accesses.ipi(l, c)] = -1;
    return new long[][] {r, w};
  }

  /** Installing a PTE page or a PTE of mm: its page tables, their locks, the allocators. */
  private void faulting(long[] r, long[] w, int mm) {
    pageTables(w, mm);
    for (int g = 0; g < l.regions(); g++) {
      w[v.ptl(mm, g)] = -1;
    }
    w[Vars.NEXT_PFN] = -1;
    w[Vars.NEXT_TABLE] = -1;
    r[Vars.FREED_TABLES] = -1;
  }

  private void pageTables(long[] f, int mm) {
    for (int g = 0; g < l.regions(); g++) {
      f[l.pmdCell(mm, g)] = -1;
    }
    for (int p = 0; p < l.pages(); p++) {
      f[l.pteCell(mm, p)] = -1;
    }
  }

  /** The stale-use checker's ghosts of mm: each page's change generation, the completed one. */
  private void generations(long[] f, int mm) {
    for (int p = 0; p < l.pages(); p++) {
      f[v.changeGen(mm, p)] = -1;
    }
    f[v.completedGen(mm)] = -1;
  }

  private void ownCells(long[] w, int c) {
    w[cell(v.loadedMm(c))] = -1;
    w[cell(v.isLazy(c))] = -1;
    w[cell(v.tlbState(c))] = -1;
  }

  private int cell(int i) {
    return l.cell(i);
  }

  private static void or(long[] out, long[] a, long[] b) {
    for (int i = 0; i < out.length; i++) {
      out[i] = a[i] | b[i];
    }
  }

  // ---------------------------------------------------------------- a CPU's future

  /**
   * The lane position of CPU c's earliest action not yet over (the running one, if any); -1
   * while it runs an action begun before the block (stepped by hand in the REPL), whose kind the
   * lanes do not say.
   */
  private int lanePosition(Machine m, int c) {
    int next = (int) engine.laneNext(m, c);
    return engine.runsLaneAction(m, c) ? next - 1 : next;
  }

  /** Whether CPU c may still run an action that sends IPIs. */
  private boolean maySend(Machine m, int c) {
    int i = lanePosition(m, c);
    return i < 0 || c < lanes.size() && sendsFrom[c][i];
  }

  /** Whether CPU c may still take an IPI: one is pending, it runs a handler, or another CPU may still send. */
  boolean mayTakeIpi(Machine m, int c) {
    if (m.pendingIpis(c) != 0 || engine.inHandler(m, c)) {
      return true;
    }
    for (int d = 0; d < l.cpus; d++) {
      if (d != c && maySend(m, d)) {
        return true;
      }
    }
    return false;
  }

  /** CPU c's future footprint at state m, into r and w. */
  void future(Machine m, int c, long[] r, long[] w) {
    declared(m, c, r, w);
    for (int e = 0; e < m.storeBufferCount(c); e++) {
      w[(int) m.storeBufferEntry(c, e)[0]] = -1;
    }
    r[Accesses.ipi(l, c)] = -1; // its IPI deliveries
    if (speculate) {
      or(r, r, walkerR);
    }
  }

  /** What the code CPU c may still run is declared to touch: its lane's actions left, the IPI handler. */
  private void declared(Machine m, int c, long[] r, long[] w) {
    int i = lanePosition(m, c);
    if (i < 0) { // an action begun by hand: anything
      Arrays.fill(r, -1);
      Arrays.fill(w, -1);
      return;
    }
    System.arraycopy(baseR[c][i], 0, r, 0, size);
    System.arraycopy(baseW[c][i], 0, w, 0, size);
    if (mayTakeIpi(m, c)) {
      or(r, r, handlerR[c]);
      or(w, w, handlerW[c]);
    }
  }

  /**
   * A cell CPU c has a store buffered for that no action of its lane, nor its IPI handler, is
   * declared to write, or -1. (The store may come from an action already over, whose footprint
   * is no longer in the CPU's: its drain is, as a buffered store.)
   */
  int undeclaredBufferedStore(Machine m, int c) {
    if (m.storeBufferCount(c) == 0 || engine.runsLaneAction(m, c) && engine.laneNext(m, c) == 0) {
      return -1; // an action begun by hand may write anything
    }
    for (int e = 0; e < m.storeBufferCount(c); e++) {
      int addr = (int) m.storeBufferEntry(c, e)[0];
      if (baseW[c][0][addr] != -1 && handlerW[c][addr] != -1) {
        return addr;
      }
    }
    return -1;
  }

  int size() {
    return size;
  }

  // ---------------------------------------------------------------- the check

  private long[] checkR;
  private long[] checkW;
  private Accesses checked;
  private Machine before;

  private static boolean bufferedBefore(Machine m, int c, int addr) {
    for (int e = 0; e < m.storeBufferCount(c); e++) {
      if (m.storeBufferEntry(c, e)[0] == addr) {
        return true;
      }
    }
    return false;
  }

  /**
   * Applies move {@code mv} to {@code m} through {@code moves}, and checks that what it touched
   * lies in its CPU's future footprint at {@code m}: a model bug otherwise.
   */
  void applyChecked(Moves moves, Machine m, int mv, Observer obs) {
    int c = Moves.cpu(mv);
    if (checked == null) {
      checked = new Accesses(l);
      checkR = new long[size];
      checkW = new long[size];
    }
    future(m, c, checkR, checkW);
    if (before == null || before.s.length != m.s.length) {
      before = m.copy();
    }
    System.arraycopy(m.s, 0, before.s, 0, m.s.length);
    Accesses saved = m.accesses;
    checked.clear();
    m.accesses = checked;
    try {
      moves.applyUnchecked(m, mv, lanes, obs);
    } finally {
      m.accesses = saved;
    }
    if (saved != null) {
      saved.addAll(checked);
    }
    int outside = checked.outside(checkR, checkW);
    // a store into the buffer touches memory only when it drains: check it against the code's
    // declared writes now (the future footprint counts buffered stores as writes to come)
    declared(before, c, checkR, checkW);
    for (int e = 0; e < m.storeBufferCount(c) && outside < 0; e++) {
      int addr = (int) m.storeBufferEntry(c, e)[0];
      if (checkW[addr] != -1 && !bufferedBefore(before, c, addr)) {
        outside = addr;
        checked.write(addr, -1);
      }
    }
    if (outside >= 0) {
      throw new ModelBug("cpu" + c + "'s move " + Moves.describe(mv) + " touched " + resourceName(outside)
          + " (" + ((checked.write[outside] & ~checkW[outside]) != 0 ? "write" : "read")
          + "), outside the footprint declared for what it may still do (engine/Footprints.java)");
    }
  }

  String resourceName(int r) {
    if (r >= l.memoryEnd()) {
      int c = (r - l.memoryEnd()) % l.cpus;
      return (r - l.memoryEnd() < l.cpus ? "the pending IPIs of cpu" : "the flush_tlb_info of cpu") + c;
    }
    if (r < v.globals()) {
      return "ghost global " + r;
    }
    return engine.addressName(r);
  }
}
