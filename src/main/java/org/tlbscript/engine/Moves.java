package org.tlbscript.engine;

import java.util.Arrays;
import java.util.List;
import org.tlbscript.engine.Explorer.Start;
import org.tlbscript.hw.Accesses;
import org.tlbscript.hw.Layout;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Access;
import org.tlbscript.kernels.Step;

/**
 * The moves of an exploration, and which of them to explore from a state: the partial-order
 * reduction. A CPU whose next move stays private (touches no memory) makes it alone, since it
 * commutes with every other move ({@link #next}); a speculative walk waits until some move does
 * not commute with it ({@link #walksThatMatter}). {@link Explorer} searches the states these
 * moves reach.
 */
public final class Moves {
  /** Move kinds: start a lane's next action, run a CPU's next step, take an IPI, drain a store, walk speculatively. */
  public static final int START = 0;
  public static final int STEP = 1;
  public static final int IPI = 2;
  public static final int DRAIN = 3;
  public static final int SPEC = 4;

  /** A move as one int: its kind, its CPU and an argument (the IPI's sender, the page walked). */
  static int move(int kind, int cpu, int arg) {
    return kind | cpu << 3 | arg << 10;
  }

  public static int kind(int move) {
    return move & 7;
  }

  public static int cpu(int move) {
    return (move >>> 3) & 127;
  }

  public static int arg(int move) {
    return move >>> 10;
  }

  private final Engine engine;
  private final boolean speculate;

  public Moves(Engine engine, boolean speculate) {
    this.engine = engine;
    this.speculate = speculate;
  }

  private static volatile boolean reduction = !Boolean.getBoolean("tlbscript.noReduction");

  static boolean reductionOn() {
    return reduction;
  }

  /** Turns partial-order reduction off or on (tests check it loses no outcome). */
  public static void reduction(boolean on) {
    reduction = on;
  }

  /** The block is over: every lane done, nothing running, pending or buffered. */
  boolean isFinal(Machine m, List<List<Start>> lanes) {
    return quiescent(m) && lanesDone(m, lanes);
  }

  private boolean lanesDone(Machine m, List<List<Start>> lanes) {
    for (int c = 0; c < lanes.size(); c++) {
      if (engine.laneNext(m, c) < lanes.get(c).size()) {
        return false;
      }
    }
    return true;
  }

  /** No kernel code running, no IPI pending, every store buffer drained. */
  boolean quiescent(Machine m) {
    for (int c = 0; c < engine.layout.cpus; c++) {
      if (engine.depth(m, c) > 0 || m.pendingIpis(c) != 0 || m.storeBufferCount(c) > 0) {
        return false;
      }
    }
    return true;
  }

  private String describe(Machine m) {
    StringBuilder sb = new StringBuilder();
    for (int c = 0; c < engine.layout.cpus; c++) {
      if (engine.depth(m, c) > 0) {
        sb.append(sb.length() > 0 ? ", " : "").append("cpu").append(c).append(" at ").append(engine.where(m, c));
      }
    }
    return sb.toString();
  }

  /** The single move of a reduced state (its successor is in the trial machine). */
  private final int[] reduced = new int[1];

  /** Whether {@code moves}, returned by {@link #next}, is a reduced state's one move (its successor is in the trial machine). */
  boolean isReduced(int[] moves) {
    return moves == reduced;
  }

  /**
   * The moves to explore from {@code m}: one move that stays private when some CPU has one
   * (partial-order reduction), else every enabled move. A private move is tried on
   * {@code trial}: a kernel step (or the start of an action) of a CPU with no IPI it could
   * take, which touched no memory, only its CPU's registers, store buffer, TLB and CR3 (and
   * cells it owns, see {@link org.tlbscript.kernels.Exec#ownBit}). Such a move commutes with
   * every other CPU's moves, so running it first loses no outcome. It is returned as
   * {@link #reduced}, with its successor left in {@code trial}.
   */
  int[] next(Machine m, List<List<Start>> lanes, Machine trial) {
    if (hasPrivateMove(m, lanes, trial)) {
      return reduced;
    }
    int[] moves = enabled(m, lanes);
    if (moves.length == 0) {
      throw new ModelBug("deadlock: no CPU can move (" + describe(m) + ")");
    }
    if (reduction && footprintReduction && !speculate) {
      return footprintSubset(m, lanes, moves, trial);
    }
    return moves;
  }

  private static volatile boolean footprintReduction = !Boolean.getBoolean("tlbscript.noFootprints");

  /** Turns the footprint reduction off or on (tests compare the two). */
  public static void footprintReduction(boolean on) {
    footprintReduction = on;
  }

  /** Turns the check of every move against its CPU's footprint on or off ({@link Footprints}). */
  public static void checkFootprints(boolean on) {
    Footprints.check = on;
  }

  // ---------------------------------------------------------------- the footprint reduction

  private Footprints footprints;

  /** The footprints of the block whose lanes are {@code lanes}. */
  Footprints footprints(List<List<Start>> lanes) {
    if (footprints == null || footprints.lanes != lanes) {
      footprints = new Footprints(engine, lanes, speculate);
    }
    return footprints;
  }

  private Accesses[] acc;
  private Accesses scratchAcc;
  private Accesses together;
  private long[][] futureR;
  private long[][] futureW;
  private boolean[] commutes;
  private int[] count;

  /**
   * A persistent subset of {@code moves} (every enabled move of {@code m}): all the moves of a
   * set P of CPUs such that no CPU outside P may ever touch what those moves touch, nor enable a
   * new move of a CPU in P. Then every move another CPU can make before one of P's moves is
   * independent of all of them, so exploring P's moves alone keeps every final state
   * (docs/explorer.md, reduction 5). P starts from one CPU and grows by every CPU whose future
   * footprint ({@link Footprints#future}) conflicts with what P's moves touch; the smallest P
   * over all starting CPUs is taken.
   */
  private int[] footprintSubset(Machine m, List<List<Start>> lanes, int[] moves, Machine trial) {
    Footprints fp = footprints(lanes);
    int cpus = engine.layout.cpus;
    if (acc == null || acc.length != cpus || futureR[0].length != fp.size()) {
      acc = new Accesses[cpus];
      for (int c = 0; c < cpus; c++) {
        acc[c] = new Accesses(engine.layout);
      }
      scratchAcc = new Accesses(engine.layout);
      together = new Accesses(engine.layout);
      futureR = new long[cpus][fp.size()];
      futureW = new long[cpus][fp.size()];
      commutes = new boolean[cpus];
      count = new int[cpus];
    }
    if (successorOf.length < moves.length) {
      successorOf = new int[2 * moves.length];
    }
    for (int c = 0; c < cpus; c++) {
      acc[c].clear();
      commutes[c] = true;
      count[c] = 0;
    }
    // what each CPU's enabled moves touch (tried on a copy), and whether each commutes with an
    // IPI handler coming in first
    if (successors.length < moves.length || successors[0].length != m.s.length) {
      successors = new long[Math.max(moves.length, 2 * successors.length)][m.s.length];
    }
    for (int i = 0; i < moves.length; i++) {
      int mv = moves[i];
      int c = cpu(mv);
      count[c]++;
      System.arraycopy(m.s, 0, trial.s, 0, m.s.length);
      scratchAcc.clear();
      trial.accesses = scratchAcc;
      try {
        apply(trial, mv, lanes, null);
      } finally {
        trial.accesses = null;
      }
      System.arraycopy(trial.s, 0, successors[i], 0, m.s.length);
      acc[c].addAll(scratchAcc);
      int k = kind(mv);
      if (k == DRAIN || k == IPI || k == SPEC || !commutesWithHandlers(m, trial, c)) {
        commutes[c] = false;
      }
    }
    for (int c = 0; c < cpus; c++) {
      if (engine.depth(m, c) > 0 && !engine.runnable(m, c)) {
        // blocked at a wait: whatever its condition reads may enable it
        m.accesses = acc[c];
        try {
          engine.runnable(m, c);
        } finally {
          m.accesses = null;
        }
      }
      fp.future(m, c, futureR[c], futureW[c]);
      // the reduction below is only as sound as the footprints: what the moves just did must lie
      // in them, and so must every store waiting in a buffer (a private move put it there)
      int outside = acc[c].outside(futureR[c], futureW[c]);
      if (outside < 0) {
        outside = fp.undeclaredBufferedStore(m, c);
      }
      if (outside >= 0) {
        throw new ModelBug("cpu" + c + " touched " + fp.resourceName(outside) + ", outside the footprint "
            + "declared for what it may still do (engine/Footprints.java): the footprint reduction would be unsound");
      }
    }
    long best = 0;
    int bestCount = moves.length;
    for (int seed = 0; seed < cpus; seed++) {
      if (count[seed] == 0) {
        continue;
      }
      long p = closure(m, fp, 1L << seed, bestCount);
      if (p != 0) {
        int n = 0;
        for (long q = p; q != 0; q &= q - 1) {
          n += count[Long.numberOfTrailingZeros(q)];
        }
        if (n < bestCount) {
          best = p;
          bestCount = n;
        }
      }
    }
    if (best == 0) { // every CPU: all the moves, whose successors are kept too
      for (int i = 0; i < moves.length; i++) {
        successorOf[i] = i;
      }
      withSuccessors = moves;
      return moves;
    }
    int[] out = new int[bestCount];
    int n = 0;
    for (int i = 0; i < moves.length; i++) {
      if ((best >>> cpu(moves[i]) & 1) != 0) {
        successorOf[n] = i;
        out[n++] = moves[i];
      }
    }
    withSuccessors = out;
    return out;
  }

  /** The successors of the moves tried by the last {@link #footprintSubset}, by its moves' order. */
  private long[][] successors = new long[0][0];
  private int[] successorOf = new int[64];
  /** The moves the last {@link #footprintSubset} returned, whose successors are kept. */
  private int[] withSuccessors;

  /**
   * Puts the successor by move {@code i} of {@code chosen} into {@code dst} if it was computed
   * when the moves were chosen ({@link #next} returned {@code chosen} last); else false.
   */
  boolean successor(int[] chosen, int i, long[] dst) {
    if (chosen != withSuccessors) {
      return false;
    }
    System.arraycopy(successors[successorOf[i]], 0, dst, 0, dst.length);
    return true;
  }

  /**
   * The least set of CPUs holding {@code p} whose moves' accesses conflict with no other CPU's
   * future footprint, or 0 when it would hold {@code limit} moves or more.
   */
  private long closure(Machine m, Footprints fp, long p, int limit) {
    int cpus = engine.layout.cpus;
    boolean grew = true;
    while (grew) {
      grew = false;
      together.clear();
      int n = 0;
      for (int c = 0; c < cpus; c++) {
        if ((p >>> c & 1) != 0) {
          together.addAll(acc[c]);
          n += count[c];
        }
      }
      if (n >= limit) {
        return 0;
      }
      for (int c = 0; c < cpus; c++) {
        // an IPI another CPU sends may be taken on c before its moves: its handler then runs
        // first, which must commute with every move explored, and c's moves with it
        if ((p >>> c & 1) != 0 && engine.irqsOn(m, c)
            && (!commutes[c] || together.conflicts(fp.handlerR[c], fp.handlerW[c]))) {
          together.read(Accesses.ipi(engine.layout, c), -1);
        }
      }
      for (int d = 0; d < cpus; d++) {
        if ((p >>> d & 1) == 0 && together.conflicts(futureR[d], futureW[d])) {
          p |= 1L << d;
          grew = true;
        }
      }
    }
    return p;
  }

  /** The move a CPU made on {@code trial} from {@code m} commutes with an IPI handler taken before it (see {@link #interruptible}). */
  private boolean commutesWithHandlers(Machine m, Machine trial, int c) {
    if (!engine.irqsOn(trial, c) || engine.lastStepReadCpuState()) {
      return false;
    }
    Layout l = engine.layout;
    for (int i = l.cpuBase(c), end = l.reg(c, Engine.FRAMES); i < end; i++) {
      if (m.s[i] != trial.s[i] && i != l.reg(c, Engine.DEPTH) && i != l.reg(c, Engine.TOP)
          && i != l.reg(c, Engine.LANE_NEXT)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether some CPU's next move stays private (see {@link #next}); if so it is {@link #reduced}'s
   * move and its successor is in {@code trial}. Cheaper than {@link #next} when there is none:
   * the enabled moves are not computed.
   */
  boolean hasPrivateMove(Machine m, List<List<Start>> lanes, Machine trial) {
    // first the steps that load no shared memory; loads and action starts, which seldom turn
    // out private, only when no other CPU has a private move
    long later = 0;
    for (int c = 0; reduction && c < engine.layout.cpus; c++) {
      int mv = privateCandidate(m, c, lanes);
      candidate[c] = mv;
      if (mv >= 0 && (kind(mv) != STEP || engine.nextStep(m, c).access() == Access.R)) {
        later |= 1L << c;
      } else if (mv >= 0 && isPrivate(m, mv, lanes, trial)) {
        return true;
      }
    }
    for (int c = 0; later != 0 && c < engine.layout.cpus; c++) {
      if ((later >>> c & 1) != 0 && isPrivate(m, candidate[c], lanes, trial)) {
        return true;
      }
    }
    return false;
  }

  /** The move of the last {@link #hasPrivateMove} that found one. */
  int privateMove() {
    return reduced[0];
  }

  /** Each CPU's move that may turn out private, or -1 (see {@link #next}). */
  private final int[] candidate = new int[64];

  /** Tries {@code mv} on {@code trial}; if it stays private, it is {@link #reduced}'s move. */
  private boolean isPrivate(Machine m, int mv, List<List<Start>> lanes, Machine trial) {
    System.arraycopy(m.s, 0, trial.s, 0, m.s.length);
    trial.memoryTouches = 0;
    apply(trial, mv, lanes, null);
    int c = cpu(mv);
    if (trial.memoryTouches == 0 && (!engine.irqsOn(m, c) || interruptible(m, trial, c, lanes))
        && !(speculate && done(trial, c, lanes))) {
      reduced[0] = mv;
      return true;
    }
    return false;
  }

  /**
   * Whether CPU {@code c} has run its lane to the end. With speculative walks, its last move
   * is never taken alone: the block ends with the last CPU's last move, which ends speculation
   * too, so running that move early would close the window in which a walk follows another
   * CPU's last move (a walk after a remap's set_pte_at, before the other CPU's return).
   */
  private boolean done(Machine m, int c, List<List<Start>> lanes) {
    return engine.depth(m, c) == 0 && (c >= lanes.size() || engine.laneNext(m, c) >= lanes.get(c).size());
  }

  /**
   * The move of CPU {@code c} that may turn out private, or -1. With speculative walks, not a
   * CR3 write or INVLPG: a walk before or after it fills the TLB differently, and one may become
   * possible when another CPU maps a table. Never a locked operation or an IPI send, which always
   * touch memory, nor a fence, CR3 write or INVLPG with stores still buffered (they drain them).
   */
  private int privateCandidate(Machine m, int c, List<List<Start>> lanes) {
    if (engine.depth(m, c) == 0) {
      return c < lanes.size() && engine.laneNext(m, c) < lanes.get(c).size() ? move(START, c, 0) : -1;
    }
    Step s = engine.nextStep(m, c);
    if (s == null || !engine.runnable(m, c, s)) {
      return -1;
    }
    Access a = s.access();
    if (a == Access.RMW || a == Access.IPI) {
      return s.type() == Step.Type.WAIT ? move(STEP, c, 0) : -1;
    }
    if (a == Access.F) {
      return m.storeBufferCount(c) == 0 ? move(STEP, c, 0) : -1; // else it drains the buffer
    }
    if (a == Access.CR3 || a == Access.HW) { // serializing; with speculation, walks around it differ
      return speculate || m.storeBufferCount(c) > 0 ? -1 : move(STEP, c, 0);
    }
    return move(STEP, c, 0);
  }

  /**
   * Whether a private move of {@code c}, made with interrupts on, also commutes with an IPI
   * handler that could interrupt it (one is pending, or another CPU may still send one): the
   * move must leave interrupts on and change nothing a handler reads, only the frames of the
   * code it interrupts (their locals, the stack depth) and the lane's next action. A store into
   * the store buffer, a CR3 write, a change of the current task do not commute: the handler
   * would see them or not.
   */
  private boolean interruptible(Machine m, Machine trial, int c, List<List<Start>> lanes) {
    if (m.pendingIpis(c) == 0 && !ipiMayCome(m, c, lanes)) {
      return true;
    }
    // the handler would see the move, or the move what the handler changed
    return commutesWithHandlers(m, trial, c);
  }

  /**
   * Whether another CPU may still send {@code c} an IPI: it runs, or has still to start, a
   * routine that sends IPIs. Taking an IPI does not commute with {@code c}'s own next move.
   */
  private boolean ipiMayCome(Machine m, int c, List<List<Start>> lanes) {
    for (int d = 0; d < engine.layout.cpus; d++) {
      if (d == c) {
        continue;
      }
      if (engine.runsIpiSender(m, d)) {
        return true;
      }
      if (d < lanes.size()) {
        for (int i = (int) engine.laneNext(m, d); i < lanes.get(d).size(); i++) {
          if (engine.model.sendsIpis(engine.model.indexOf(lanes.get(d).get(i).routine()))) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * Every enabled move of {@code m}; with partial-order reduction, speculative walks only where
   * they matter ({@link #walksThatMatter}).
   */
  int[] enabled(Machine m, List<List<Start>> lanes) {
    return enabled(m, lanes, reduction);
  }

  /** Every enabled move of {@code m}; with {@code reduce}, speculative walks only where they matter. */
  int[] enabled(Machine m, List<List<Start>> lanes, boolean reduce) {
    int cpus = engine.layout.cpus;
    int[] out = new int[8];
    int n = 0;
    for (int c = 0; c < cpus; c++) {
      if (engine.depth(m, c) == 0) {
        if (c < lanes.size() && engine.laneNext(m, c) < lanes.get(c).size()) {
          out = push(out, n++, move(START, c, 0));
        }
      } else if (engine.runnable(m, c)) {
        out = push(out, n++, move(STEP, c, 0));
      }
      long pending = m.pendingIpis(c);
      if (pending != 0 && engine.irqsOn(m, c)) {
        for (long p = pending; p != 0; p &= p - 1) {
          out = push(out, n++, move(IPI, c, Long.numberOfTrailingZeros(p)));
        }
      }
      if (m.tso && m.storeBufferCount(c) > 0) {
        out = push(out, n++, move(DRAIN, c, 0));
      }
    }
    int steps = n;
    for (int c = 0; speculate && c < cpus; c++) {
      int first = n;
      for (int p = 0; p < engine.layout.pages(); p++) {
        if (walkEnabled(m, c, p)) {
          out = push(out, n++, move(SPEC, c, p));
        }
      }
      if (reduce && n > first && !walksThatMatter(m, lanes, out, steps, first, n)) {
        n = first;
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** A speculative walk of page {@code p} by CPU {@code c} can happen: no TLB entry, a PDE to start from. */
  private boolean walkEnabled(Machine m, int c, int p) {
    Layout l = engine.layout;
    int asid = m.cr3Asid(c);
    return m.tlbEntry(c, asid, p) == 0 && (m.pscEntry(c, asid, l.regionOf(p)) != 0
        || m.memory(l.pmdCell(m.cr3Root(c), l.regionOf(p))) != 0);
  }

  /**
   * Whether one CPU's speculative walks ({@code moves[from..to)}) must be explored here: some
   * other enabled move ({@code moves[0..steps)}) does not commute with one of them. A walk
   * changes only its CPU's TLB and paging-structure cache (and counts a walk of a freed table);
   * a walk that commutes with every other move can wait, and is explored where it stops
   * commuting: before a page-table write or free, before its CPU's CR3 write, flush or access,
   * and before the move that ends the block (no walk follows that one). A state with a walk
   * held back has the same successors either way, so every final state stays reachable
   * (persistent sets). A CPU's walks are kept or dropped together: they share the cache.
   */
  private boolean walksThatMatter(Machine m, List<List<Start>> lanes, int[] moves, int steps, int from, int to) {
    if (commute == null) {
      commute = new Machine[] {m.copy(), m.copy(), m.copy(), m.copy()};
    }
    Machine walked = commute[0];
    Machine stepped = commute[1];
    Machine walkedThenStepped = commute[2];
    Machine steppedThenWalked = commute[3];
    for (int i = 0; i < steps; i++) {
      System.arraycopy(m.s, 0, stepped.s, 0, m.s.length);
      apply(stepped, moves[i], lanes, null);
      if (isFinal(stepped, lanes)) {
        return true;
      }
      for (int k = from; k < to; k++) {
        int walk = moves[k];
        if (!walkEnabled(stepped, cpu(walk), arg(walk))) {
          return true;
        }
        System.arraycopy(m.s, 0, walked.s, 0, m.s.length);
        apply(walked, walk, lanes, null);
        System.arraycopy(walked.s, 0, walkedThenStepped.s, 0, m.s.length);
        apply(walkedThenStepped, moves[i], lanes, null);
        System.arraycopy(stepped.s, 0, steppedThenWalked.s, 0, m.s.length);
        apply(steppedThenWalked, walk, lanes, null);
        if (!Arrays.equals(walkedThenStepped.s, steppedThenWalked.s)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Scratch states for {@link #walksThatMatter}. */
  private Machine[] commute;

  private static int[] push(int[] a, int n, int v) {
    if (n == a.length) {
      a = Arrays.copyOf(a, n * 2);
    }
    a[n] = v;
    return a;
  }

  /**
   * Applies one move to {@code m}; with {@code -Dtlbscript.checkFootprints=true}, checks that it
   * touched only what its CPU's future footprint allows ({@link Footprints}).
   */
  public void apply(Machine m, int mv, List<List<Start>> lanes, Observer obs) {
    if (Footprints.check) {
      footprints(lanes).applyChecked(this, m, mv, obs);
    } else {
      applyUnchecked(m, mv, lanes, obs);
    }
  }

  /** A move as the explorer's messages name it. */
  static String describe(int mv) {
    int c = cpu(mv);
    return switch (kind(mv)) {
      case START -> "start of cpu" + c + "'s next action";
      case STEP -> "step of cpu" + c;
      case IPI -> "IPI from cpu" + arg(mv) + " taken on cpu" + c;
      case DRAIN -> "drain of cpu" + c + "'s oldest store";
      default -> "speculative walk of page #" + arg(mv) + " by cpu" + c;
    };
  }

  void applyUnchecked(Machine m, int mv, List<List<Start>> lanes, Observer obs) {
    int c = cpu(mv);
    switch (kind(mv)) {
      case START -> {
        int i = (int) engine.laneNext(m, c);
        Start st = lanes.get(c).get(i);
        engine.setLaneNext(m, c, i + 1);
        engine.push(m, c, st.routine(), st.args(), -1);
        engine.step(m, c, obs);
      }
      case STEP -> engine.step(m, c, obs);
      case IPI -> engine.deliverIpi(m, c, arg(mv), obs);
      case DRAIN -> m.drainOne(c);
      case SPEC -> engine.speculate(m, c, engine.layout.pageAddress(arg(mv)), obs);
      default -> throw new IllegalArgumentException("move " + mv);
    }
  }
}
