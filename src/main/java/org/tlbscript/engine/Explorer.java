package org.tlbscript.engine;

import static org.tlbscript.engine.FingerprintSet.finish;
import static org.tlbscript.engine.FingerprintSet.fingerprint;
import static org.tlbscript.engine.FingerprintSet.sum;
import static org.tlbscript.engine.FingerprintSet.sumAfter;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tlbscript.hw.Layout;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Access;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Step;

/**
 * Exhaustive exploration of a together block: every interleaving of the lanes' kernel steps,
 * IPI deliveries, store-buffer drains (x86-TSO) and speculative page walks, with a visited set
 * of 64-bit state fingerprints. Breadth first, so that a recorded path is a shortest one, until
 * the frontier outgrows its bound; then depth first from the frontier ({@link #explore}).
 * Partial-order reduction: a CPU whose next move stays private (touches no memory, see
 * {@link #moves}) makes it at once, since it commutes with every other move; a speculative walk
 * waits until some move does not commute with it ({@link #walksThatMatter}).
 */
public final class Explorer {
  /** One action of a lane: the entry routine, its arguments, and how to print it. */
  public record Start(Routine routine, long[] args, String text) {}

  /** Bounds of an exploration; a run past one ends cleanly as incomplete. */
  public record Limits(long maxStates, long timeoutMillis, long maxMemoryBytes) {
    public static final Limits DEFAULT = new Limits(20_000_000, 600_000, Runtime.getRuntime().maxMemory() / 10 * 7);
  }

  static final int START = 0;
  static final int STEP = 1;
  static final int IPI = 2;
  static final int DRAIN = 3;
  static final int SPEC = 4;

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

  public Explorer(Engine engine, boolean speculate) {
    this.engine = engine;
    this.speculate = speculate;
  }

  /** What an exploration found. State ids are in discovery (breadth-first) order; 0 is the start. */
  public static final class Result {
    public long states;
    public long transitions;
    public boolean complete = true;
    public String incomplete;
    public long millis;
    /** Final states (every lane done, nothing pending) and their ids. */
    public final List<Machine> finals = new ArrayList<>();
    public final List<Integer> finalIds = new ArrayList<>();
    /** Per CPU, the first state (id) where it had used a stale entry / walked a freed table, or -1. */
    public final int[] firstStaleUse;
    public final int[] firstFreedWalk;
    private int[] parent = new int[1024];
    private int[] moveTo = new int[1024];

    Result(int cpus) {
      firstStaleUse = new int[cpus];
      firstFreedWalk = new int[cpus];
      Arrays.fill(firstStaleUse, -1);
      Arrays.fill(firstFreedWalk, -1);
    }

    void record(int id, int par, int mv) {
      if (id >= parent.length) {
        parent = Arrays.copyOf(parent, parent.length * 2);
        moveTo = Arrays.copyOf(moveTo, moveTo.length * 2);
      }
      parent[id] = par;
      moveTo[id] = mv;
    }

    /** Paths kept by a depth-first search, by state id (breadth first keeps parents instead). */
    final java.util.Map<Integer, int[]> paths = new java.util.HashMap<>();
    /** True when paths come from breadth-first search, so each is a shortest one. */
    public boolean shortest = true;
    /** The next state id for a path the depth-first search keeps. */
    int nextId;

    /** The moves from the start state to state {@code id}, in order. */
    public int[] path(int id) {
      if (paths.containsKey(id)) {
        return paths.get(id);
      }
      int n = 0;
      for (int i = id; i > 0; i = parent[i]) {
        n++;
      }
      int[] out = new int[n];
      for (int i = id; i > 0; i = parent[i]) {
        out[--n] = moveTo[i];
      }
      return out;
    }
  }

  /**
   * Explores breadth first, so that every path found is a shortest one; when the frontier
   * outgrows a bound, it goes on depth first from each state of the frontier, keeping the
   * visited set: its memory is then the visited set and one path (paths found are then not
   * necessarily shortest). The frontier bounds are {@link #breadthFirstLimit} and 2 MiB.
   */
  public Result explore(Machine start, List<List<Start>> lanes, Limits limits) {
    long t0 = System.currentTimeMillis();
    Result r = new Result(engine.layout.cpus);
    try (FingerprintSet visited = new FingerprintSet()) {
      return breadthFirst(start, lanes, limits, t0, r, visited);
    } catch (OutOfMemoryError e) { // the memory bound is checked now and then; a burst can pass it
      r.finals.clear();
      return incomplete(r, "JVM heap limit of " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB", t0);
    }
  }

  private static volatile int bfsFrontier = Integer.getInteger("tlbscript.bfsFrontier", 300_000);
  /**
   * The packed frontier's bound (2 MiB): past it breadth first gives way to depth first. The
   * race scenarios stay far below it; larger spaces would spend their memory on the frontier.
   */
  private static final long FRONTIER_WORDS = 1 << 18;

  private static volatile boolean reduction = !Boolean.getBoolean("tlbscript.noReduction");

  /** Turns partial-order reduction off or on (tests check it loses no outcome). */
  public static void reduction(boolean on) {
    reduction = on;
  }

  /** Sets the frontier size past which exploration goes depth first (tests use a tiny one). */
  public static void breadthFirstLimit(int states) {
    bfsFrontier = states;
  }

  private Result breadthFirst(Machine start, List<List<Start>> lanes, Limits limits, long t0, Result r,
      FingerprintSet visited) {
    int cpus = engine.layout.cpus;
    // the frontier is kept packed (XOR with the start state, zero runs skipped): most of a
    // state equals the start, and the frontier of a breadth-first search is large
    long[] base = start.s.clone();
    // each entry: the packed state, then its fingerprint sum and its id
    ArrayDeque<long[]> queue = new ArrayDeque<>();
    visited.add(fingerprint(start.s));
    r.record(0, -1, 0);
    queue.add(Packer.pack(start.s, base, sum(start.s), 0));
    int next = 1;
    long frontierWords = 0;
    long[] s = new long[start.s.length]; // the state being expanded, unpacked here
    Machine m = start.with(s);
    long[] scratch = new long[start.s.length]; // successors are built here: no allocation per move
    Machine m2 = start.with(scratch);
    while (!queue.isEmpty()) {
      String past = pastLimit(r.states, limits, t0, visited);
      if (past != null) {
        return incomplete(r, past, t0);
      }
      if (next > limits.maxStates()) {
        return incomplete(r, "state limit of " + limits.maxStates(), t0);
      }
      if (queue.size() > bfsFrontier || frontierWords > FRONTIER_WORDS) {
        r.shortest = false;
        r.nextId = next;
        while (!queue.isEmpty() && r.complete) {
          long[] packed = queue.poll();
          Packer.unpack(packed, base, s);
          depthFirst(m.copy(), r.path((int) packed[packed.length - 1]), lanes, limits, t0, r, visited);
        }
        r.millis = System.currentTimeMillis() - t0;
        return r;
      }
      long[] packed = queue.poll();
      frontierWords -= packed.length;
      Packer.unpack(packed, base, s);
      long sum = packed[packed.length - 2];
      int id = (int) packed[packed.length - 1];
      r.states++;
      if (quiescent(m) && lanesDone(m, lanes)) {
        r.finals.add(m.copy()); // the block is over: later speculative walks are not part of it
        r.finalIds.add(id);
        continue;
      }
      int[] moves = moves(m, lanes, m2);
      for (int mv : moves) {
        if (moves != reduced) { // a reduced move's successor is already in scratch
          System.arraycopy(s, 0, scratch, 0, s.length);
          apply(m2, mv, lanes, null);
        }
        r.transitions++;
        engine.selfCheck(m2, cpu(mv));
        long succSum = sumAfter(sum, s, m2.s);
        if (!visited.add(finish(succSum))) {
          continue;
        }
        r.record(next, id, mv);
        for (int c = 0; c < cpus; c++) {
          if (r.firstStaleUse[c] < 0 && engine.staleUses(m2, c) > engine.staleUses(m, c)) {
            r.firstStaleUse[c] = next;
          }
          if (r.firstFreedWalk[c] < 0 && engine.freedWalks(m2, c) > engine.freedWalks(m, c)) {
            r.firstFreedWalk[c] = next;
          }
        }
        long[] succ = Packer.pack(m2.s, base, succSum, next);
        frontierWords += succ.length;
        queue.add(succ);
        next++;
      }
    }
    r.millis = System.currentTimeMillis() - t0;
    return r;
  }

  /**
   * Depth first, for spaces whose breadth-first frontier outgrows memory: the memory is the
   * visited set and one path. Each level of the path keeps its state, moves and next move in
   * arrays reused from one visit to the next.
   */
  private void depthFirst(Machine root, int[] prefix, List<List<Start>> lanes, Limits limits, long t0,
      Result r, FingerprintSet visited) {
    int cpus = engine.layout.cpus;
    Path path = new Path(root, prefix);
    System.arraycopy(root.s, 0, path.at(0).s, 0, root.s.length);
    path.sum[0] = sum(root.s);
    r.states++;
    arrive(path, 0, lanes, r);
    int depth = 0;
    while (depth >= 0) {
      int[] moves = path.moves[depth];
      if (path.next[depth] == moves.length) {
        depth--;
        continue;
      }
      String past = pastLimit(r.transitions, limits, t0, visited);
      if (past != null) {
        incomplete(r, past, t0);
        return;
      }
      if (r.states > limits.maxStates()) {
        incomplete(r, "state limit of " + limits.maxStates(), t0);
        return;
      }
      int mv = moves[path.next[depth]++];
      Machine parent = path.at(depth);
      Machine child = path.at(depth + 1);
      if (moves != path.reducedAt(depth)) { // a reduced move's successor is already there
        System.arraycopy(parent.s, 0, child.s, 0, child.s.length);
        apply(child, mv, lanes, null);
      }
      r.transitions++;
      engine.selfCheck(child, cpu(mv));
      long sum = sumAfter(path.sum[depth], parent.s, child.s);
      if (!visited.add(finish(sum))) {
        continue;
      }
      depth++;
      path.sum[depth] = sum;
      path.move[depth] = mv;
      r.states++;
      for (int c = 0; c < cpus; c++) {
        if (r.firstStaleUse[c] < 0 && engine.staleUses(child, c) > engine.staleUses(parent, c)) {
          r.firstStaleUse[c] = keep(r, path, depth);
        }
        if (r.firstFreedWalk[c] < 0 && engine.freedWalks(child, c) > engine.freedWalks(parent, c)) {
          r.firstFreedWalk[c] = keep(r, path, depth);
        }
      }
      arrive(path, depth, lanes, r);
    }
  }

  /**
   * Sets up the moves of a newly reached state; a final one (the block is over) has none. A
   * reduced state's one move is tried in the next level's state, which then holds its successor.
   */
  private void arrive(Path path, int depth, List<List<Start>> lanes, Result r) {
    Machine m = path.at(depth);
    path.next[depth] = 0;
    if (isFinal(m, lanes)) {
      r.finals.add(m.copy());
      r.finalIds.add(keep(r, path, depth));
      path.moves[depth] = new int[0];
      return;
    }
    int[] moves = moves(m, lanes, path.at(depth + 1));
    if (moves == reduced) {
      path.reducedAt(depth)[0] = reduced[0];
      moves = path.reducedAt(depth);
    }
    path.moves[depth] = moves;
  }

  /** The current path of a depth-first search: per level, its state, moves and next move. */
  private static final class Path {
    private final Machine start;
    /** The moves that led to the root (from a breadth-first search). */
    final int[] prefix;
    Machine[] state = new Machine[64];
    int[][] moves = new int[64][];
    int[] next = new int[64];
    int[] move = new int[64];
    /** Each level's fingerprint sum (see {@link #sumAfter}). */
    long[] sum = new long[64];
    private int[][] single = new int[64][];

    Path(Machine start, int[] prefix) {
      this.start = start;
      this.prefix = prefix;
    }

    Machine at(int depth) {
      if (depth >= state.length) {
        int n = state.length * 2;
        state = Arrays.copyOf(state, n);
        moves = Arrays.copyOf(moves, n);
        next = Arrays.copyOf(next, n);
        move = Arrays.copyOf(move, n);
        sum = Arrays.copyOf(sum, n);
        single = Arrays.copyOf(single, n);
      }
      if (state[depth] == null) {
        state[depth] = start.copy();
        single[depth] = new int[1];
      }
      return state[depth];
    }

    /** This level's one-element move list for a reduced state. */
    int[] reducedAt(int depth) {
      return single[depth];
    }
  }

  private boolean isFinal(Machine m, List<List<Start>> lanes) {
    return quiescent(m) && lanesDone(m, lanes);
  }

  /** Records the moves of the path up to {@code depth} (after its prefix) as the path of a new id. */
  private static int keep(Result r, Path path, int depth) {
    int[] moves = Arrays.copyOf(path.prefix, path.prefix.length + depth);
    System.arraycopy(path.move, 1, moves, path.prefix.length, depth);
    r.paths.put(r.nextId, moves);
    return r.nextId++;
  }

  /**
   * The time or memory limit the run has passed, or null. Called with a count that grows by one
   * each time; looks at the clock every 4096, at memory (dearer) every 65536.
   */
  private static String pastLimit(long count, Limits limits, long t0, FingerprintSet visited) {
    if ((count & 4095) != 0) {
      return null;
    }
    if (System.currentTimeMillis() - t0 > limits.timeoutMillis()) {
      return "time limit of " + limits.timeoutMillis() / 1000 + " s";
    }
    if ((count & 65535) == 0 && memoryInUse(visited, false) > limits.maxMemoryBytes()
        && memoryInUse(visited, true) > limits.maxMemoryBytes()) {
      return "memory bound of " + limits.maxMemoryBytes() / (1 << 20) + " MB";
    }
    return null;
  }

  /**
   * The heap in use (after a collection if {@code collect}: garbage such as a discarded
   * breadth-first frontier is no reason to stop) plus the visited set, which is off the heap.
   */
  private static long memoryInUse(FingerprintSet visited, boolean collect) {
    Runtime rt = Runtime.getRuntime();
    if (collect) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory() + visited.bytes();
  }

  private static Result incomplete(Result r, String why, long t0) {
    r.complete = false;
    r.incomplete = why;
    r.millis = System.currentTimeMillis() - t0;
    return r;
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

  /**
   * The moves to explore from {@code m}: one move that stays private when some CPU has one
   * (partial-order reduction), else every enabled move. A private move is tried on
   * {@code trial}: a kernel step (or the start of an action) of a CPU with no IPI it could
   * take, which touched no memory, only its CPU's registers, store buffer, TLB and CR3 (and
   * cells it owns, see {@link org.tlbscript.kernels.Exec#ownBit}). Such a move commutes with
   * every other CPU's moves, so running it first loses no outcome. It is returned as
   * {@link #reduced}, with its successor left in {@code trial}.
   */
  int[] moves(Machine m, List<List<Start>> lanes, Machine trial) {
    // first the steps that load no shared memory; loads and action starts, which seldom turn
    // out private, only when no other CPU has a private move
    long later = 0;
    for (int c = 0; reduction && c < engine.layout.cpus; c++) {
      int mv = privateCandidate(m, c, lanes);
      candidate[c] = mv;
      if (mv >= 0 && (kind(mv) != STEP || engine.nextStep(m, c).access() == Access.R)) {
        later |= 1L << c;
      } else if (mv >= 0 && isPrivate(m, mv, lanes, trial)) {
        return reduced;
      }
    }
    for (int c = 0; later != 0 && c < engine.layout.cpus; c++) {
      if ((later >>> c & 1) != 0 && isPrivate(m, candidate[c], lanes, trial)) {
        return reduced;
      }
    }
    int[] moves = enabled(m, lanes);
    if (moves.length == 0) {
      throw new ModelBug("deadlock: no CPU can move (" + describe(m) + ")");
    }
    return moves;
  }

  /** Each CPU's move that may turn out private, or -1 (see {@link #moves}). */
  private final int[] candidate = new int[64];

  /** Tries {@code mv} on {@code trial}; if it stays private, it is {@link #reduced}'s move. */
  private boolean isPrivate(Machine m, int mv, List<List<Start>> lanes, Machine trial) {
    System.arraycopy(m.s, 0, trial.s, 0, m.s.length);
    trial.memoryTouches = 0;
    apply(trial, mv, lanes, null);
    int c = cpu(mv);
    if (trial.memoryTouches == 0 && (!engine.irqsOn(m, c) || interruptible(m, trial, c, lanes))
        && !(speculate && isFinal(trial, lanes))) { // the block's last move ends speculation too
      reduced[0] = mv;
      return true;
    }
    return false;
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
    if (!engine.irqsOn(trial, c)) {
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
      if (reduction && n > first && !walksThatMatter(m, lanes, out, steps, first, n)) {
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

  /** Applies one move to {@code m}. */
  public void apply(Machine m, int mv, List<List<Start>> lanes, Observer obs) {
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

  /**
   * Packed states: the XOR with a base state, as a bitmap of the cells that differ followed by
   * their values. Word-sized, so packing is a scan without byte fiddling.
   */
  static final class Packer {
    private Packer() {}

    /** {@code s} packed against {@code base}, followed by the words {@code extra}. */
    static long[] pack(long[] s, long[] base, long... extra) {
      int words = (s.length + 63) >>> 6;
      long[] out = new long[words + 32];
      int n = words;
      for (int i = 0; i < s.length; i++) {
        long d = s[i] ^ base[i];
        if (d != 0) {
          out[i >>> 6] |= 1L << i;
          if (n == out.length) {
            out = Arrays.copyOf(out, n * 2);
          }
          out[n++] = d;
        }
      }
      out = Arrays.copyOf(out, n + extra.length);
      System.arraycopy(extra, 0, out, n, extra.length);
      return out;
    }

    /** Unpacks {@code p} (packed against {@code base}) into {@code s}; trailing extra words are ignored. */
    static void unpack(long[] p, long[] base, long[] s) {
      System.arraycopy(base, 0, s, 0, s.length);
      int words = (s.length + 63) >>> 6;
      int n = words;
      for (int w = 0; w < words; w++) {
        for (long bits = p[w]; bits != 0; bits &= bits - 1) {
          s[(w << 6) + Long.numberOfTrailingZeros(bits)] ^= p[n++];
        }
      }
    }
  }
}
