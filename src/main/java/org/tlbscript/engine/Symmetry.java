package org.tlbscript.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tlbscript.engine.Explorer.Start;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Vars;

/**
 * Symmetry reduction: CPUs that run the same lane from the same state are interchangeable, so
 * the explorer visits one state of each set of states that differ only by a renaming of them
 * (its key is the least fingerprint of its renamings, {@link #key}).
 *
 * <p>That is sound only while the kernel code never tells the CPUs apart by number, and it
 * does: for_each_cpu visits them in id order ({@code should_flush_tlb}, 4.20's {@code is_lazy}
 * loop, the 2018 series' lazymask loops). A flusher that has checked cpu1 and not yet cpu2 has
 * no renamed counterpart. So the engine reports every {@link org.tlbscript.kernels.Exec#cpumaskNext}
 * it runs, and an exploration that meets one starts again without symmetry ({@link Explorer}).
 * Code that reads a mask in one step, sends IPIs to a set and waits for all of them (the flush
 * paths before 4.20, the freed-tables path of 4.20 and 5.x, every switch) treats CPUs alike.
 */
final class Symmetry {
  /** The most renamings (identity included) per state: classes of CPUs past it stay apart. */
  static final int MAX_RENAMINGS = 24;

  private static volatile boolean enabled = !Boolean.getBoolean("tlbscript.noSymmetry");

  /** Turns symmetry reduction off or on (tests check that it loses no outcome). */
  static void enabled(boolean on) {
    enabled = on;
  }

  private final Engine engine;
  /** The renamings, a group: the identity first; each maps CPU c to r[c]. */
  final int[][] renamings;
  /** The CPUs some renaming moves, for the figures. */
  final long moved;
  /** The CPUs each CPU can be renamed to (the orbits of the group), in CPU order, of size > 1. */
  private final int[][] orbits;
  private final long[] scratch;
  private final long[] sig;
  private final long[] renamedSig;
  private final Machine machine;
  private final Machine.CellRenaming cells;
  /** The renaming under way, which {@link #cells} applies. */
  private int[] p;

  private Symmetry(Engine engine, Machine start, List<int[]> renamings) {
    this.engine = engine;
    int cpus = engine.layout.cpus;
    this.renamings = renamings.toArray(new int[0][]);
    long m = 0;
    List<int[]> orbitList = new ArrayList<>();
    for (int c = 0; c < cpus; c++) {
      long orbit = 0;
      for (int[] r : this.renamings) {
        orbit |= 1L << r[c];
      }
      if (Long.bitCount(orbit) > 1 && (m & orbit) == 0) {
        int[] members = new int[Long.bitCount(orbit)];
        for (int i = 0, bits = 0; i < members.length; i++) {
          members[i] = Long.numberOfTrailingZeros(orbit & -1L << bits);
          bits = members[i] + 1;
        }
        orbitList.add(members);
      }
      m |= Long.bitCount(orbit) > 1 ? orbit : 0;
    }
    this.moved = m;
    this.orbits = orbitList.toArray(new int[0][]);
    this.scratch = new long[start.s.length];
    this.sig = new long[cpus];
    this.renamedSig = new long[cpus];
    this.machine = start;
    Vars v = engine.vars;
    int cellBase = engine.layout.cell(0);
    this.cells = new Machine.CellRenaming() {
      @Override
      public int address(int addr) {
        int i = addr - cellBase;
        if (i < 0 || i >= v.sharedCells()) {
          return addr;
        }
        for (int c = 0; c < cpus; c++) {
          if (i == v.loadedMm(c)) {
            return cellBase + v.loadedMm(p[c]);
          } else if (i == v.isLazy(c)) {
            return cellBase + v.isLazy(p[c]);
          } else if (i == v.tlbState(c)) {
            return cellBase + v.tlbState(p[c]);
          }
        }
        return addr;
      }

      @Override
      public long value(int addr, long value) {
        int i = addr - cellBase;
        return i >= 0 && v.isCpumask(i) ? Machine.renameMask(value, p) : value;
      }
    };
  }

  /**
   * The renamings of the exploration from {@code start}: CPUs with the same lane (or none) may
   * be exchanged where that leaves {@code start} as it is. Null when none does.
   */
  static Symmetry of(Engine engine, Machine start, List<List<Start>> lanes) {
    int cpus = engine.layout.cpus;
    if (!enabled || cpus < 2) {
      return null;
    }
    // classes of CPUs with equal lanes, as many of each as the renamings stay few (a subgroup
    // of the symmetry is sound too: it merges fewer states)
    List<int[]> group = new ArrayList<>();
    group.add(identity(cpus));
    boolean[] placed = new boolean[cpus];
    for (int c = 0; c < cpus; c++) {
      if (placed[c]) {
        continue;
      }
      List<Integer> cls = new ArrayList<>();
      for (int d = c; d < cpus; d++) {
        if (!placed[d] && sameLane(lanes.get(c), lanes.get(d))) {
          cls.add(d);
          placed[d] = true;
        }
      }
      int k = cls.size();
      while (k > 1 && (long) group.size() * factorial(k) > MAX_RENAMINGS) {
        k--;
      }
      if (k > 1) {
        group = product(group, cls.subList(0, k));
      }
    }
    Symmetry sym = new Symmetry(engine, start, List.of());
    List<int[]> keep = new ArrayList<>(List.of(group.get(0)));
    for (int[] r : group.subList(1, group.size())) {
      sym.rename(start.s, r, sym.scratch);
      if (Arrays.equals(sym.scratch, start.s)) {
        keep.add(r);
      }
    }
    return keep.size() == 1 ? null : new Symmetry(engine, start, keep);
  }

  private static boolean sameLane(List<Start> a, List<Start> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i).routine() != b.get(i).routine() || !Arrays.equals(a.get(i).args(), b.get(i).args())) {
        return false;
      }
    }
    return true;
  }

  static int[] identity(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    return p;
  }

  /** n!, or MAX_RENAMINGS + 1 once past it: 17! overflows an int (to a negative), and 13 idle CPUs are enough to ask. */
  private static long factorial(int n) {
    long f = 1;
    for (int i = 2; i <= n && f <= MAX_RENAMINGS; i++) {
      f *= i;
    }
    return Math.min(f, MAX_RENAMINGS + 1);
  }

  /** Every renaming of {@code group} followed by every permutation of {@code cls}. */
  private static List<int[]> product(List<int[]> group, List<Integer> cls) {
    List<int[]> out = new ArrayList<>();
    for (int[] g : group) {
      permutations(cls, new int[cls.size()], new boolean[cls.size()], 0, g, out);
    }
    return out;
  }

  private static void permutations(List<Integer> cls, int[] pick, boolean[] used, int k, int[] g, List<int[]> out) {
    if (k == cls.size()) {
      int[] p = g.clone();
      for (int i = 0; i < cls.size(); i++) {
        p[cls.get(i)] = cls.get(pick[i]);
      }
      out.add(p);
      return;
    }
    for (int i = 0; i < cls.size(); i++) {
      if (!used[i]) {
        used[i] = true;
        pick[k] = i;
        permutations(cls, pick, used, k + 1, g, out);
        used[i] = false;
      }
    }
  }

  /**
   * Completes a result explored under this symmetry: each renaming of a final state is one too
   * (the state explored stands for them all), and one CPU's first stale use or freed walk,
   * renamed, is another's.
   */
  void complete(Explorer.Result r) {
    r.renamings = renamings;
    r.symmetry = describe();
    Set<Machine> seen = new HashSet<>(r.finals);
    for (int i = 0, n = r.finals.size(); i < n; i++) {
      Machine f = r.finals.get(i);
      for (int k = 1; k < renamings.length; k++) {
        Machine g = f.with(new long[f.s.length]);
        rename(f.s, renamings[k], g.s);
        if (seen.add(g)) {
          r.finals.add(g);
          r.finalAt.add(new Explorer.At(r.finalAt.get(i).id(), k));
        }
      }
    }
    renamed(r, r.firstStaleUse);
    renamed(r, r.firstFreedWalk);
  }

  /** Per CPU, the shortest of the first events of CPUs that a renaming makes it. */
  private void renamed(Explorer.Result r, Explorer.At[] first) {
    Explorer.At[] explored = first.clone();
    for (int c = 0; c < explored.length; c++) {
      for (int k = 1; explored[c] != null && k < renamings.length; k++) {
        int d = renamings[k][c];
        Explorer.At at = new Explorer.At(explored[c].id(), k);
        if (first[d] == null || r.path(at).length < r.path(first[d]).length) {
          first[d] = at;
        }
      }
    }
  }

  /**
   * The key state {@code s} (whose fingerprint sum is {@code sum}) is visited under: the
   * least fingerprint of its renamings that sort each class of interchangeable CPUs by a
   * signature of what they hold ({@link #signature}; usually one renaming, often the identity),
   * or of all its renamings if none sorts. States that are renamings of each other have the
   * same renamings that sort, up to the renaming, so they get the same key.
   */
  long key(long[] s, long sum) {
    Machine m = machine.with(s);
    for (int c = 0; c < sig.length; c++) {
      sig[c] = (moved >>> c & 1) != 0 ? signature(m, c) : 0;
    }
    long best = Long.MAX_VALUE;
    boolean sorted = false;
    for (int pass = 0; pass < 2 && !sorted; pass++) {
      for (int k = 0; k < renamings.length; k++) {
        if (pass == 0 && !sorts(renamings[k])) {
          continue;
        }
        sorted = true;
        if (k == 0) {
          best = Math.min(best, FingerprintSet.finish(sum));
        } else { // a renaming differs from the state in a few blocks and cells: sum those
          rename(s, renamings[k], scratch);
          best = Math.min(best, FingerprintSet.finish(FingerprintSet.sumAfter(sum, s, scratch)));
        }
      }
    }
    return best;
  }

  /** Whether renaming {@code r} leaves the signatures ascending in each orbit (by CPU number). */
  private boolean sorts(int[] r) {
    for (int c = 0; c < sig.length; c++) {
      renamedSig[r[c]] = sig[c];
    }
    for (int[] orbit : orbits) {
      for (int i = 1; i < orbit.length; i++) {
        if (renamedSig[orbit[i - 1]] > renamedSig[orbit[i]]) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * What CPU {@code c} holds that names no CPU: its hardware, its per-CPU variables, its bits of
   * the cpumasks, its lane position, violation counters, and the routines and pcs on its stack.
   * A renaming carries it to the renamed CPU unchanged.
   */
  private long signature(Machine m, int c) {
    Vars v = engine.vars;
    long h = m.hardwareHash(c);
    h = mix(h, m.memory(engine.layout.cell(v.loadedMm(c))));
    h = mix(h, m.memory(engine.layout.cell(v.isLazy(c))));
    h = mix(h, m.memory(engine.layout.cell(v.tlbState(c))));
    for (int mm = 0; mm < v.mms; mm++) {
      h = mix(h, m.memory(engine.layout.cell(v.cpumask(mm))) >>> c & 1);
    }
    for (int r : SIGNATURE_REGS) {
      h = mix(h, m.reg(c, r));
    }
    int f = (int) m.reg(c, Engine.TOP);
    for (int level = engine.depth(m, c) - 1; level >= 0; level--) {
      h = mix(mix(h, m.reg(c, f + Engine.F_ROUTINE)), m.reg(c, f + Engine.F_PC));
      f = (int) m.reg(c, f + Engine.F_LINK);
    }
    return h;
  }

  private static final int[] SIGNATURE_REGS = {Vars.LOADED_MM_ASID, Vars.CUR_MM, Vars.ACTIVE_MM,
      Engine.DEPTH, Engine.LANE_NEXT, Engine.STALE_USES, Engine.FREED_WALKS};

  private static long mix(long h, long v) {
    return (h ^ v) * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
  }

  /**
   * State {@code s} with CPU c renamed r[c], into {@code dst}: the machine's part
   * ({@link Machine#renameCpus}), then what the kernel's variables and the engine's registers
   * hold: per-CPU cells, cpumasks, the CPUs a flush waits for, the CPU a frame handles an IPI
   * of, frame slots that hold CPUs or cpumasks ({@link Routine.Holds}), pending PTE changes,
   * PTE locks' holders.
   */
  void rename(long[] s, int[] r, long[] dst) {
    p = r;
    Machine.renameCpus(engine.layout, s, r, dst, cells);
    Vars v = engine.vars;
    for (int mm = 0; mm < v.mms; mm++) {
      for (int page = 0; page < engine.layout.pages(); page++) {
        int g = v.changeGen(mm, page);
        if (s[g] < 0) { // a change in progress, tagged -(cpu + 1) until its flush is known
          dst[g] = -(r[(int) -s[g] - 1] + 1);
        }
      }
      for (int region = 0; region < engine.layout.regions(); region++) {
        int g = v.ptl(mm, region);
        if (s[g] > 0) { // a PTE lock's holder, cpu + 1
          dst[g] = r[(int) s[g] - 1] + 1;
        }
      }
    }
    for (int c = 0; c < engine.layout.cpus; c++) {
      int q = r[c];
      renameReg(dst, q, Vars.INFO_INITIATOR, Routine.Holds.CPU, r);
      renameReg(dst, q, Engine.WAITING_FOR, Routine.Holds.CPUMASK, r);
      int f = (int) reg(dst, q, Engine.TOP);
      for (int level = (int) reg(dst, q, Engine.DEPTH) - 1; level >= 0; level--) {
        Routine routine = engine.model.routine((int) reg(dst, q, f + Engine.F_ROUTINE));
        long handlerOf = reg(dst, q, f + Engine.F_HANDLER_OF);
        if (handlerOf > 0) {
          dst[engine.layout.reg(q, f + Engine.F_HANDLER_OF)] = r[(int) handlerOf - 1] + 1;
        }
        for (int slot = 0; slot < routine.frameSize(); slot++) {
          renameReg(dst, q, f + Engine.F_LOCALS + slot, routine.holds(slot), r);
        }
        f = (int) reg(dst, q, f + Engine.F_LINK);
      }
    }
  }

  private long reg(long[] s, int cpu, int r) {
    return s[engine.layout.reg(cpu, r)];
  }

  private void renameReg(long[] s, int cpu, int reg, Routine.Holds holds, int[] r) {
    int i = engine.layout.reg(cpu, reg);
    long v = s[i];
    switch (holds) {
      case CPU -> s[i] = v >= 0 && v < r.length ? r[(int) v] : v; // a loop's end (nr_cpu_ids) stays
      case CPUMASK -> s[i] = Machine.renameMask(v, r);
      default -> { }
    }
  }

  private static volatile boolean verifying;

  /** Tests: check every state the search expands with {@link #verify}. */
  static void verifying(boolean on) {
    verifying = on;
  }

  static boolean verifying() {
    return verifying;
  }

  /**
   * Checks that each renaming is a symmetry at {@code m}: the moves of the renamed state are the
   * renamed moves, and each leads to the renaming of the state the move leads to. A CPU-valued
   * variable declared as a plain value, or a step that tells CPUs apart, fails here. States
   * where the code visited CPUs in id order are left out: the search starts again without
   * symmetry there.
   */
  void verify(Machine m, Moves moves, List<List<Start>> lanes) {
    for (int[] r : renamings) {
      if (r == renamings[0]) {
        continue;
      }
      Machine renamed = m.with(new long[m.s.length]);
      rename(m.s, r, renamed.s);
      java.util.Map<Integer, Long> expected = new java.util.TreeMap<>();
      for (int mv : moves.enabled(m, lanes, false)) {
        Machine t = m.copy();
        moves.apply(t, mv, lanes, null);
        rename(t.s, r, scratch);
        expected.put(renameMove(mv, r), FingerprintSet.fingerprint(scratch));
      }
      java.util.Map<Integer, Long> actual = new java.util.TreeMap<>();
      for (int mv : moves.enabled(renamed, lanes, false)) {
        Machine t = renamed.copy();
        moves.apply(t, mv, lanes, null);
        actual.put(mv, FingerprintSet.fingerprint(t.s));
      }
      if (engine.cpuOrderSeenAt == null && !expected.equals(actual)) {
        throw new IllegalStateException("renaming " + Arrays.toString(r) + " is not a symmetry at a state "
            + "where " + describeCpus(m) + ": moves and successors " + expected + " renamed, " + actual
            + " from the renamed state");
      }
    }
  }

  private String describeCpus(Machine m) {
    StringBuilder sb = new StringBuilder();
    for (int c = 0; c < engine.layout.cpus; c++) {
      sb.append(c == 0 ? "" : ", ").append("cpu").append(c).append(engine.depth(m, c) > 0
          ? " is at " + engine.where(m, c) : " runs nothing");
    }
    return sb.toString();
  }

  /** Move {@code mv} with its CPUs renamed r[c]: a move of a state's renaming. */
  static int renameMove(int mv, int[] r) {
    int arg = Moves.kind(mv) == Moves.IPI ? r[Moves.arg(mv)] : Moves.arg(mv);
    return Moves.move(Moves.kind(mv), r[Moves.cpu(mv)], arg);
  }

  /** For the figures: the CPUs exchanged and how many renamings, "symmetry cpu1 cpu2 (2 renamings)". */
  String describe() {
    StringBuilder sb = new StringBuilder("symmetry");
    for (long bits = moved; bits != 0; bits &= bits - 1) {
      sb.append(" cpu").append(Long.numberOfTrailingZeros(bits));
    }
    return sb.append(" (").append(renamings.length).append(" renamings)").toString();
  }
}
