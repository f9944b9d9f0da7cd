package org.tlbscript.engine;

import static org.tlbscript.engine.FingerprintSet.finish;
import static org.tlbscript.engine.FingerprintSet.sum;
import static org.tlbscript.engine.FingerprintSet.sumAfter;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Routine;

/**
 * Exhaustive exploration of a together block: every interleaving of the lanes' kernel steps,
 * IPI deliveries, store-buffer drains (x86-TSO) and speculative page walks, with a visited set
 * of 64-bit state fingerprints. Breadth first, so that a recorded path is a shortest one, until
 * the frontier outgrows its bound; then depth first from the frontier ({@link #explore}).
 * Which moves to explore from a state (the partial-order reduction) is {@link Moves}'s part.
 */
public final class Explorer {
  /**
   * One action of a lane: the entry routine, its arguments, and how to print it; a plain
   * program's thread also says which memory addresses it may read and write (null: the
   * footprint of the kernel action its routine starts, see {@link Footprints}).
   */
  public record Start(Routine routine, long[] args, String text, int[] reads, int[] writes) {
    public Start(Routine routine, long[] args, String text) {
      this(routine, args, text, null, null);
    }
  }

  /**
   * Bounds of an exploration; a run past one ends cleanly as incomplete, with what it found.
   * {@code maxMemoryBytes} bounds the process's resident memory; {@code stop} is asked now and
   * then whether to stop (Ctrl-C); {@code progress} hears how the run goes.
   */
  public record Limits(long maxStates, long timeoutMillis, long maxMemoryBytes, Progress progress,
      java.util.function.BooleanSupplier stop, int workers) {
    public static final Limits DEFAULT = new Limits(20_000_000, 600_000, ProcessMemory.defaultBound());

    public Limits(long maxStates, long timeoutMillis, long maxMemoryBytes) {
      this(maxStates, timeoutMillis, maxMemoryBytes, Progress.NONE, () -> false, defaultWorkers());
    }

    /** These bounds, reported to {@code p} and stopped when {@code s} says so. */
    public Limits watched(Progress p, java.util.function.BooleanSupplier s) {
      return new Limits(maxStates, timeoutMillis, maxMemoryBytes, p, s, workers);
    }

    /** These bounds, explored by {@code n} threads (the depth-first part of a large exploration). */
    public Limits withWorkers(int n) {
      return new Limits(maxStates, timeoutMillis, maxMemoryBytes, progress, stop, n);
    }

    /** One thread per core, or {@code -Dtlbscript.workers=N}. */
    public static int defaultWorkers() {
      return Integer.getInteger("tlbscript.workers", Runtime.getRuntime().availableProcessors());
    }
  }

  /** How an exploration goes, for a progress line: told every quarter second or so, from the first second on. */
  public interface Progress {
    Progress NONE = new Progress() {
      @Override
      public void update(long states, long perSecond, int depth, long memoryBytes, long millis) {}

      @Override
      public void done() {}
    };

    void update(long states, long perSecond, int depth, long memoryBytes, long millis);

    /** The exploration is over (the line can go). */
    void done();
  }

  /** Why a run stopped when {@link Limits#stop} said so. */
  public static final String INTERRUPTED = "interrupt (Ctrl-C)";

  private final Engine engine;
  private final Moves moves;
  private final boolean speculate;

  public Explorer(Engine engine, boolean speculate) {
    this.engine = engine;
    this.speculate = speculate;
    this.moves = new Moves(engine, speculate);
  }

  /**
   * A state reached: the state explored with id {@code id} (ids are in discovery order, 0 is the
   * start), with its CPUs renamed by renaming {@code renaming} of the symmetry (0: as explored).
   */
  public record At(int id, int renaming) {}

  /** What an exploration found. */
  public static final class Result {
    public long states;
    public long transitions;
    public boolean complete = true;
    public String incomplete;
    public long millis;
    /** Final states (every lane done, nothing pending) and where each was reached. */
    public final List<Machine> finals = new ArrayList<>();
    public final List<At> finalAt = new ArrayList<>();
    /** Per CPU, the first state where it had used a stale entry / walked a freed table, or null. */
    public final At[] firstStaleUse;
    public final At[] firstFreedWalk;
    /**
     * The CPU renamings the exploration treated as equal (row 0 the identity), or just the
     * identity; {@link #symmetry} says which, or why none.
     */
    int[][] renamings;
    public String symmetry = "";
    /** Runs thrown away because a step read a frame variable it was not known to read (reduction 6). */
    public int thrownAway;
    private int[] parent = new int[1024];
    private int[] moveTo = new int[1024];

    Result(int cpus) {
      firstStaleUse = new At[cpus];
      firstFreedWalk = new At[cpus];
      renamings = new int[][] {Symmetry.identity(cpus)};
    }

    void record(int id, int par, int mv) {
      if (id >= parent.length) {
        parent = Arrays.copyOf(parent, parent.length * 2);
        moveTo = Arrays.copyOf(moveTo, moveTo.length * 2);
      }
      parent[id] = par;
      moveTo[id] = mv;
      lastId = id;
    }

    /**
     * Paths kept by a depth-first search, by state id (breadth first keeps parents instead), as
     * the moves between kept states: each is followed by its chain of private moves, which
     * {@link #path} puts back.
     */
    final java.util.Map<Integer, int[]> paths = new java.util.HashMap<>();
    /** Paths of states reached after the search ({@link Explorer#carryToEnd}), every move listed. */
    final java.util.Map<Integer, int[]> fullPaths = new java.util.HashMap<>();
    /** Puts the chains of private moves back into a path of moves between kept states. */
    java.util.function.UnaryOperator<int[]> expand = moves -> moves;
    /** True when paths come from breadth-first search, so each is a shortest one. */
    public boolean shortest = true;
    /** The next state id for a path the depth-first search keeps. */
    int nextId;
    /** The ids, when workers share them. */
    java.util.concurrent.atomic.AtomicInteger ids;
    /** States explored by all workers together, when several explore ({@link #totalStates}). */
    java.util.concurrent.atomic.AtomicLong shared;

    /** The states explored so far, by this search and the workers beside it. */
    long totalStates() {
      return shared != null ? shared.get() : states;
    }
    /** Ids for the paths of states reached after the search ({@link Explorer#carryToEnd}), counting down. */
    int extraId = Integer.MAX_VALUE;

    /** The length of the newest path recorded (breadth first: the level being reached). */
    int depth() {
      int n = 0;
      for (int i = lastId; i > 0 && i < parent.length; i = parent[i]) {
        n++;
      }
      return n;
    }

    private int lastId;

    /** The moves from the start state to {@code at}, in order. */
    public int[] path(At at) {
      int[] out = path(at.id());
      int[] r = renamings[at.renaming()];
      for (int i = 0; i < out.length; i++) {
        out[i] = Symmetry.renameMove(out[i], r);
      }
      return out;
    }

    private int[] path(int id) {
      return fullPaths.containsKey(id) ? fullPaths.get(id).clone() : expand.apply(keptPath(id));
    }

    /** The moves between kept states from the start to state {@code id}. */
    int[] keptPath(int id) {
      if (paths.containsKey(id)) {
        return paths.get(id).clone();
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
    Budget budget = new Budget(limits);
    try {
      // dead frame variables are cleared while the table of what steps read holds; a run in
      // which a step read a variable the table did not know may have cleared one still to be
      // read, so it is thrown away and run again with the larger table (reduction 6)
      engine.liveness.probe(engine);
      for (int attempt = 0; ; attempt++) {
        engine.clearDead = Liveness.enabled() && Moves.reductionOn() && attempt < RELEARN_LIMIT;
        livenessAtStart = engine.liveness.version();
        Result r = exploreOnce(start, lanes, budget);
        if (!engine.clearDead || engine.liveness.version() == livenessAtStart) {
          r.thrownAway = attempt;
          return r;
        }
      }
    } finally {
      engine.clearDead = false;
      limits.progress().done();
    }
  }

  /** Runs after which an exploration that still learns what steps read clears no variable. */
  private static final int RELEARN_LIMIT = 30;
  private int livenessAtStart;

  /** The exploration must stop: the code told CPUs apart, or a step read a variable it was not known to read. */
  private boolean mustStop() {
    return cpusToldApart() || engine.clearDead && engine.liveness.version() != livenessAtStart
        || team != null && team.stop;
  }

  /** The workers of a parallel depth-first search, when this explorer is one of them. */
  private Team team;

  private Result exploreOnce(Machine start, List<List<Start>> lanes, Budget budget) {
    Symmetry sym = Symmetry.of(engine, start, lanes);
    engine.cpuOrderSeenAt = null;
    Result r = explore(start, lanes, budget, sym);
    if (sym != null && engine.cpuOrderSeenAt != null) {
      // the code told the CPUs apart by number: start again, every CPU on its own
      String where = engine.cpuOrderSeenAt;
      r = explore(start, lanes, budget, null);
      r.symmetry = "no symmetry: " + where + " visits CPUs in id order";
    } else if (sym != null) {
      sym.complete(r); // an incomplete run's finals stand for their renamings too
    }
    r.millis = System.currentTimeMillis() - budget.t0;
    return r;
  }

  private Result explore(Machine start, List<List<Start>> lanes, Budget budget, Symmetry sym) {
    Result r = new Result(engine.layout.cpus);
    r.expand = kept -> expand(start, lanes, kept);
    this.sym = sym;
    try (FingerprintSet visited = new FingerprintSet()) {
      budget.visited = visited;
      return breadthFirst(start, lanes, budget, r, visited);
    } catch (OutOfMemoryError e) { // the memory bound is checked now and then; a burst can pass it
      r.finals.clear();
      r.finalAt.clear();
      return incomplete(r, "JVM heap limit of " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB");
    }
  }

  /**
   * Carries state {@code at} of {@code r} to the end of the block by one schedule (each time
   * the first enabled move, never a speculative walk) and adds the final state reached to
   * {@code r}'s finals, with its path; false if the block does not end within
   * {@link Engine#STEP_LIMIT} moves. An incomplete run uses it to turn a violation it saw on
   * the way into an outcome.
   */
  public boolean carryToEnd(Machine start, List<List<Start>> lanes, Result r, At at) {
    int[] path = r.path(at);
    Machine m = start.copy();
    for (int mv : path) {
      moves.apply(m, mv, lanes, null);
    }
    int[] more = new int[16];
    int n = 0;
    while (!moves.isFinal(m, lanes)) {
      int next = -1;
      for (int mv : moves.enabled(m, lanes, false)) {
        if (Moves.kind(mv) != Moves.SPEC) {
          next = mv;
          break;
        }
      }
      if (next < 0 || n == Engine.STEP_LIMIT) {
        return false;
      }
      moves.apply(m, next, lanes, null);
      if (n == more.length) {
        more = Arrays.copyOf(more, n * 2);
      }
      more[n++] = next;
    }
    int[] whole = Arrays.copyOf(path, path.length + n);
    System.arraycopy(more, 0, whole, path.length, n);
    int id = r.extraId--;
    r.fullPaths.put(id, whole);
    r.finals.add(m);
    r.finalAt.add(new At(id, 0));
    r.shortest = false;
    return true;
  }

  /** The symmetry of the exploration under way, or null. */
  private Symmetry sym;

  /** The key a state is visited under: its fingerprint, or with symmetry its renamings' least. */
  private long key(long[] s, long sum) {
    return sym == null ? finish(sum) : sym.key(s, sum);
  }

  /** With symmetry, whether the code told CPUs apart: the exploration is then abandoned. */
  private boolean cpusToldApart() {
    return sym != null && engine.cpuOrderSeenAt != null;
  }

  private static volatile int bfsFrontier = Integer.getInteger("tlbscript.bfsFrontier", 300_000);
  /**
   * The packed frontier's bound (2 MiB): past it breadth first gives way to depth first. The
   * race scenarios stay far below it; larger spaces would spend their memory on the frontier.
   */
  private static final long FRONTIER_WORDS = 1 << 18;

  /** Sets the frontier size past which exploration goes depth first (tests use a tiny one). */
  public static void breadthFirstLimit(int states) {
    bfsFrontier = states;
  }

  private Result breadthFirst(Machine start, List<List<Start>> lanes, Budget budget, Result r,
      FingerprintSet visited) {
    Limits limits = budget.limits;
    int cpus = engine.layout.cpus;
    // the frontier is kept packed (XOR with the start state, zero runs skipped): most of a
    // state equals the start, and the frontier of a breadth-first search is large
    long[] base = start.s.clone();
    // each entry: the packed state, then its fingerprint sum and its id
    ArrayDeque<long[]> queue = new ArrayDeque<>();
    visited.add(key(start.s, sum(start.s)));
    r.record(0, -1, 0);
    queue.add(Packer.pack(start.s, base, sum(start.s), 0));
    int next = 1;
    long frontierWords = 0;
    long[] s = new long[start.s.length]; // the state being expanded, unpacked here
    Machine m = start.with(s);
    long[] scratch = new long[start.s.length]; // successors are built here: no allocation per move
    Machine m2 = start.with(scratch);
    Machine chainTrial = start.copy();
    while (!queue.isEmpty() && !mustStop()) {
      String past = budget.past(r.states, r, 0);
      if (past != null) {
        return incomplete(r, past);
      }
      if (next > limits.maxStates()) {
        return incomplete(r, "state limit of " + limits.maxStates());
      }
      if (queue.size() > bfsFrontier || frontierWords > FRONTIER_WORDS) {
        r.shortest = false;
        r.nextId = next;
        if (limits.workers() > 1) {
          return new Team(this, start, lanes, budget, r, visited, base, queue).run(limits.workers());
        }
        while (!queue.isEmpty() && r.complete && !mustStop()) {
          long[] packed = queue.poll();
          Packer.unpack(packed, base, s);
          depthFirst(m.copy(), r.keptPath((int) packed[packed.length - 1]), lanes, budget, r, visited, true);
        }
        return r;
      }
      long[] packed = queue.poll();
      frontierWords -= packed.length;
      Packer.unpack(packed, base, s);
      long sum = packed[packed.length - 2];
      int id = (int) packed[packed.length - 1];
      r.states++;
      if (moves.isFinal(m, lanes)) {
        r.finals.add(m.copy()); // the block is over: later speculative walks are not part of it
        r.finalAt.add(new At(id, 0));
        continue;
      }
      if (sym != null && Symmetry.verifying()) {
        sym.verify(m, moves, lanes);
      }
      int[] chosen = moves.next(m, lanes, m2);
      for (int k = 0; k < chosen.length; k++) {
        int mv = chosen[k];
        r.transitions++;
        chainLength = 0;
        try {
          // a reduced move's successor is already in scratch; the footprint reduction keeps the
          // successors it tried
          if (!moves.isReduced(chosen) && !moves.successor(chosen, k, scratch)) {
            System.arraycopy(s, 0, scratch, 0, s.length);
            moves.apply(m2, mv, lanes, null);
          }
          engine.selfCheck(m2, Moves.cpu(mv));
          chain(m, m2, lanes, chainTrial);
        } catch (ModelBug bug) {
          int[] partial = Arrays.copyOf(chainMoves, chainLength);
          throw bug.reachedBy(concat(append(r.path(id), mv), partial));
        }
        r.transitions += chainLength;
        long succSum = sumAfter(sum, s, m2.s);
        if (!visited.add(key(m2.s, succSum))) {
          continue;
        }
        r.record(next, id, mv);
        for (int c = 0; c < cpus; c++) {
          if (r.firstStaleUse[c] == null && engine.staleUses(m2, c) > engine.staleUses(m, c)) {
            r.firstStaleUse[c] = new At(next, 0);
          }
          if (r.firstFreedWalk[c] == null && engine.freedWalks(m2, c) > engine.freedWalks(m, c)) {
            r.firstFreedWalk[c] = new At(next, 0);
          }
        }
        long[] succ = Packer.pack(m2.s, base, succSum, next);
        frontierWords += succ.length;
        queue.add(succ);
        next++;
      }
    }
    return r;
  }

  /**
   * Depth first, for spaces whose breadth-first frontier outgrows memory: the memory is the
   * visited set and one path. Each level of the path keeps its state, moves and next move in
   * arrays reused from one visit to the next.
   */
  private void depthFirst(Machine root, int[] prefix, List<List<Start>> lanes, Budget budget,
      Result r, FingerprintSet visited, boolean countRoot) {
    Limits limits = budget.limits;
    int cpus = engine.layout.cpus;
    Path path = new Path(root, prefix);
    System.arraycopy(root.s, 0, path.at(0).s, 0, root.s.length);
    path.sum[0] = sum(root.s);
    if (countRoot) {
      r.states++;
    }
    arrive(path, 0, lanes, r);
    int depth = 0;
    while (depth >= 0 && !mustStop()) {
      int[] next = path.moves[depth];
      if (path.next[depth] == next.length) {
        depth--;
        continue;
      }
      if (team != null && team.hungry.get() > 0 && team.frontier.isEmpty()) {
        team.donate(path, depth);
      }
      String past = budget.past(r.transitions, r, prefix.length + depth);
      if (past != null) {
        incomplete(r, past);
        return;
      }
      if (r.totalStates() > limits.maxStates()) {
        incomplete(r, "state limit of " + limits.maxStates());
        return;
      }
      int mv = next[path.next[depth]++];
      Machine parent = path.at(depth);
      Machine child = path.at(depth + 1);
      r.transitions++;
      chainLength = 0;
      try {
        // a reduced move's successor is already there; the first move tried may be kept too
        if (next != path.reducedAt(depth) && !moves.successor(next, path.next[depth] - 1, child.s)) {
          System.arraycopy(parent.s, 0, child.s, 0, child.s.length);
          moves.apply(child, mv, lanes, null);
        }
        engine.selfCheck(child, Moves.cpu(mv));
        chain(parent, child, lanes, path.at(depth + 2));
      } catch (ModelBug bug) {
        int[] partial = Arrays.copyOf(chainMoves, chainLength);
        path.move[depth + 1] = mv;
        int[] upTo = r.keptPath(keep(r, path, depth)); // the path to the parent, then this move
        throw bug.reachedBy(concat(append(r.expand.apply(upTo), mv), partial));
      }
      r.transitions += chainLength;
      long sum = sumAfter(path.sum[depth], parent.s, child.s);
      if (!visited.add(key(child.s, sum))) {
        continue;
      }
      depth++;
      path.sum[depth] = sum;
      path.move[depth] = mv;
      r.states++;
      if (r.shared != null) {
        r.shared.incrementAndGet();
      }
      for (int c = 0; c < cpus; c++) {
        if (r.firstStaleUse[c] == null && engine.staleUses(child, c) > engine.staleUses(parent, c)) {
          r.firstStaleUse[c] = new At(keep(r, path, depth), 0);
        }
        if (r.firstFreedWalk[c] == null && engine.freedWalks(child, c) > engine.freedWalks(parent, c)) {
          r.firstFreedWalk[c] = new At(keep(r, path, depth), 0);
        }
      }
      arrive(path, depth, lanes, r);
    }
  }

  /**
   * Workers that go on depth first, each from frontier states it takes in turn, with one visited
   * set (a state is expanded by the worker that adds it, so every state reached is expanded once).
   * Each has its own engine, moves and symmetry; their results are merged into the search's,
   * final states sorted, so that the report does not depend on which worker found what.
   */
  private static final class Team {
    final Explorer lead;
    final Machine start;
    final List<List<Start>> lanes;
    final Budget budget;
    final Result r;
    final FingerprintSet visited;
    final long[] base;
    /** States to go on from: the breadth-first frontier, then what busy workers give away. */
    final java.util.concurrent.ConcurrentLinkedQueue<Item> frontier = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Workers waiting for a state to go on from. */
    final java.util.concurrent.atomic.AtomicInteger hungry = new java.util.concurrent.atomic.AtomicInteger();
    private int workers;
    volatile boolean stop;
    /** Every worker waited with nothing left. */
    private volatile boolean done;
    /** The first model bug (or other failure) a worker met: the search stops and throws it. */
    final java.util.concurrent.atomic.AtomicReference<RuntimeException> failure =
        new java.util.concurrent.atomic.AtomicReference<>();

    /** A state to go on from: packed, with the kept moves that reach it (null: its id's path), and whether it was counted. */
    record Item(long[] packed, int[] prefix, boolean counted) {}

    Team(Explorer lead, Machine start, List<List<Start>> lanes, Budget budget, Result r,
        FingerprintSet visited, long[] base, java.util.Collection<long[]> frontier) {
      this.lead = lead;
      this.start = start;
      this.lanes = lanes;
      this.budget = budget;
      this.r = r;
      this.visited = visited;
      this.base = base;
      for (long[] packed : frontier) {
        this.frontier.add(new Item(packed, null, false));
      }
    }

    /**
     * A worker with work left gives the shallowest level of its path that has moves it has not
     * tried to the hungry ones: that state goes to the frontier and the worker skips its moves.
     */
    void donate(Path path, int depth) {
      for (int level = 0; level < depth; level++) {
        if (path.next[level] < path.moves[level].length && path.moves[level] != path.reducedAt(level)) {
          int[] prefix = Arrays.copyOf(path.prefix, path.prefix.length + level);
          System.arraycopy(path.move, 1, prefix, path.prefix.length, level);
          frontier.add(new Item(Packer.pack(path.at(level).s, base, 0L, -1L), prefix, true));
          path.next[level] = path.moves[level].length;
          return;
        }
      }
    }

    Result run(int workers) {
      this.workers = workers;
      visited.concurrent();
      java.util.concurrent.atomic.AtomicInteger ids = new java.util.concurrent.atomic.AtomicInteger(r.nextId);
      java.util.concurrent.atomic.AtomicLong states = new java.util.concurrent.atomic.AtomicLong(r.states);
      List<Result> results = new java.util.ArrayList<>();
      List<Explorer> explorers = new java.util.ArrayList<>();
      List<Thread> threads = new java.util.ArrayList<>();
      for (int w = 0; w < workers; w++) {
        Explorer x = new Explorer(lead.engine.copy(), lead.speculate);
        x.engine.clearDead = lead.engine.clearDead;
        x.livenessAtStart = lead.livenessAtStart;
        x.sym = lead.sym == null ? null : Symmetry.of(x.engine, start, lanes);
        x.team = this;
        Result wr = new Result(x.engine.layout.cpus);
        wr.expand = kept -> x.expand(start, lanes, kept);
        wr.shortest = false;
        wr.ids = ids;
        wr.shared = states;
        explorers.add(x);
        results.add(wr);
        Thread t = new Thread(() -> work(x, wr), "explorer-" + w);
        t.setDaemon(true);
        threads.add(t);
      }
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        try {
          t.join();
        } catch (InterruptedException e) {
          stop = true; // the workers' results are partial: say so
          incomplete(r, INTERRUPTED);
          Thread.currentThread().interrupt();
        }
      }
      if (failure.get() != null) {
        throw failure.get();
      }
      merge(explorers, results, ids.get());
      return r;
    }

    private void work(Explorer x, Result wr) {
      try {
        Machine m = start.copy();
        while (!stop && wr.complete && !x.mustStop()) {
          Item item = frontier.poll();
          if (item == null) {
            item = await();
            if (item == null) {
              return; // every worker waits and nothing is left: the search is over
            }
          }
          Packer.unpack(item.packed(), base, m.s);
          int[] prefix = item.prefix() != null ? item.prefix() : r.keptPath((int) item.packed()[item.packed().length - 1]);
          x.depthFirst(m.copy(), prefix, lanes, budget, wr, visited, !item.counted());
        }
      } catch (RuntimeException e) {
        failure.compareAndSet(null, e);
        stop = true;
      } catch (OutOfMemoryError e) {
        wr.finals.clear();
        incomplete(wr, "JVM heap limit of " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB");
      } finally {
        if (!wr.complete || x.mustStop()) {
          stop = true; // one worker's limit is every worker's
        }
      }
    }

    /** Waits for a state to go on from; null when every worker waits and none is left (or the search stops). */
    private Item await() {
      hungry.incrementAndGet();
      try {
        while (!stop && !done) {
          Item item = frontier.poll();
          if (item != null) {
            return item;
          }
          if (hungry.get() == workers) {
            item = frontier.poll(); // a last look: a worker may have given one before waiting
            if (item != null) {
              return item;
            }
            done = true; // tells the other waiting workers too
            return null;
          }
          Thread.onSpinWait();
          java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
        return null;
      } finally {
        hungry.decrementAndGet();
      }
    }

    private void merge(List<Explorer> explorers, List<Result> results, int nextId) {
      List<Integer> order = new java.util.ArrayList<>();
      List<Machine> finals = new java.util.ArrayList<>();
      List<At> at = new java.util.ArrayList<>();
      for (int w = 0; w < results.size(); w++) {
        Result wr = results.get(w);
        Explorer x = explorers.get(w);
        r.states += wr.states;
        r.transitions += wr.transitions;
        r.paths.putAll(wr.paths);
        finals.addAll(wr.finals);
        at.addAll(wr.finalAt);
        if (!wr.complete && r.complete) {
          incomplete(r, wr.incomplete);
        }
        if (x.engine.cpuOrderSeenAt != null && lead.engine.cpuOrderSeenAt == null) {
          lead.engine.cpuOrderSeenAt = x.engine.cpuOrderSeenAt;
        }
        for (int c = 0; c < r.firstStaleUse.length; c++) {
          r.firstStaleUse[c] = earlier(r.firstStaleUse[c], wr.firstStaleUse[c]);
          r.firstFreedWalk[c] = earlier(r.firstFreedWalk[c], wr.firstFreedWalk[c]);
        }
      }
      for (int i = 0; i < finals.size(); i++) {
        order.add(i);
      }
      order.sort((a, b) -> Arrays.compare(finals.get(a).s, finals.get(b).s));
      for (int i : order) {
        r.finals.add(finals.get(i));
        r.finalAt.add(at.get(i));
      }
      r.nextId = nextId;
    }

    /** The one of two events' states with the shorter path (then the lower id): the report does not depend on timing. */
    private At earlier(At a, At b) {
      if (a == null || b == null) {
        return a == null ? b : a;
      }
      int[] pa = r.keptPath(a.id());
      int[] pb = r.keptPath(b.id());
      return pa.length != pb.length ? (pa.length < pb.length ? a : b) : Arrays.compare(pa, pb) <= 0 ? a : b;
    }
  }

  /**
   * Runs, in place on {@code m} (just reached from {@code from}), the private moves that follow
   * one another: while {@code m} is not final and has a private move (the reduction's one move),
   * it is taken. The states in between are not kept: each has just that one move, so the chain
   * is the same whichever way it is entered, and its last state stands for all of it. The chain
   * stops after a move that used a stale entry or walked a freed table (there is none among
   * private moves; the move into {@code m} may be one), so that a counterexample ends there.
   * {@link #chainMoves} holds the moves taken (for a model bug's path).
   */
  private void chain(Machine from, Machine m, List<List<Start>> lanes, Machine trial) {
    chainLength = 0;
    if (madeEvent(from, m)) {
      return;
    }
    while (!moves.isFinal(m, lanes) && moves.hasPrivateMove(m, lanes, trial)) {
      if (chainLength == chainMoves.length) {
        if (chainLength >= Engine.STEP_LIMIT) {
          throw new ModelBug("no progress: " + chainLength + " private moves in a row");
        }
        chainMoves = Arrays.copyOf(chainMoves, chainLength * 2);
      }
      int mv = moves.privateMove();
      chainMoves[chainLength++] = mv;
      engine.selfCheck(trial, Moves.cpu(mv));
      System.arraycopy(trial.s, 0, m.s, 0, m.s.length);
    }
  }

  private int[] chainMoves = new int[64];
  private int chainLength;

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Whether a CPU used a stale entry or walked a freed table between {@code a} and {@code b}. */
  private boolean madeEvent(Machine a, Machine b) {
    for (int c = 0; c < engine.layout.cpus; c++) {
      if (engine.staleUses(b, c) > engine.staleUses(a, c) || engine.freedWalks(b, c) > engine.freedWalks(a, c)) {
        return true;
      }
    }
    return false;
  }

  /** The whole path to a kept state: each move between kept states, then its chain, replayed. */
  private int[] expand(Machine start, List<List<Start>> lanes, int[] kept) {
    Machine m = start.copy();
    Machine trial = start.copy();
    int[] out = new int[kept.length * 4 + 16];
    int n = 0;
    for (int mv : kept) {
      Machine before = m.copy();
      moves.apply(m, mv, lanes, null);
      chain(before, m, lanes, trial);
      if (n + 1 + chainLength > out.length) {
        out = Arrays.copyOf(out, (n + 1 + chainLength) * 2);
      }
      out[n++] = mv;
      System.arraycopy(chainMoves, 0, out, n, chainLength);
      n += chainLength;
    }
    return Arrays.copyOf(out, n);
  }

  /**
   * Sets up the moves of a newly reached state; a final one (the block is over) has none. A
   * reduced state's one move is tried in the next level's state, which then holds its successor.
   */
  private void arrive(Path path, int depth, List<List<Start>> lanes, Result r) {
    Machine m = path.at(depth);
    path.next[depth] = 0;
    if (moves.isFinal(m, lanes)) {
      r.finals.add(m.copy());
      r.finalAt.add(new At(keep(r, path, depth), 0));
      path.moves[depth] = new int[0];
      return;
    }
    int[] next = moves.next(m, lanes, path.at(depth + 1));
    if (moves.isReduced(next)) {
      path.reducedAt(depth)[0] = next[0];
      next = path.reducedAt(depth);
    }
    path.moves[depth] = next;
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

  private static int[] append(int[] path, int mv) {
    int[] out = Arrays.copyOf(path, path.length + 1);
    out[path.length] = mv;
    return out;
  }

  /** Records the moves of the path up to {@code depth} (after its prefix) as the path of a new id. */
  private static int keep(Result r, Path path, int depth) {
    int[] moves = Arrays.copyOf(path.prefix, path.prefix.length + depth);
    System.arraycopy(path.move, 1, moves, path.prefix.length, depth);
    int id = r.ids != null ? r.ids.getAndIncrement() : r.nextId++;
    r.paths.put(id, moves);
    return id;
  }

  /**
   * The limits of one exploration as it runs: the clock, the memory bound, the stop request
   * and the progress line. {@link #past} is called with a count that grows by one each time; it
   * looks at the clock and the stop request every 4096, at memory (dearer) every 65536.
   */
  private static final class Budget {
    final Limits limits;
    final long t0 = System.currentTimeMillis();
    FingerprintSet visited;
    private long lastReport;
    private long lastStates;

    Budget(Limits limits) {
      this.limits = limits;
    }

    /** The limit the run has passed, or null; {@code depth} is the current path's length. */
    String past(long count, Result r, int depth) {
      if ((count & 4095) != 0) {
        return null;
      }
      synchronized (this) { // workers of a parallel search share it
        return pastNow(r, depth);
      }
    }

    private String pastNow(Result r, int depth) {
      long now = System.currentTimeMillis();
      if (limits.stop().getAsBoolean()) {
        return INTERRUPTED;
      }
      if (now - t0 > limits.timeoutMillis()) {
        return "time limit of " + limits.timeoutMillis() / 1000 + " s";
      }
      if (memory(false) > limits.maxMemoryBytes()) {
        long held = memory(true);
        if (held > limits.maxMemoryBytes()) {
          return "memory bound of " + limits.maxMemoryBytes() / (1 << 20) + " MB (" + held / (1 << 20)
              + " MB resident)";
        }
      }
      if (now - t0 >= 1000 && now - lastReport >= 250) {
        long states = r.totalStates();
        long rate = lastReport == 0 ? states * 1000 / (now - t0) : (states - lastStates) * 1000 / (now - lastReport);
        limits.progress().update(states, rate, depth > 0 ? depth : r.depth(), memory(false), now - t0);
        lastReport = now;
        lastStates = states;
      }
      return null;
    }

    /**
     * The process's resident memory (after a collection if {@code collect}: garbage such as a
     * discarded breadth-first frontier is no reason to stop; the serial collector gives freed
     * heap back). Without /proc: the heap in use plus the visited set, which is off the heap.
     */
    private long memory(boolean collect) {
      if (collect) {
        System.gc();
      }
      return ProcessMemory.inUse(visited == null ? 0 : visited.bytes());
    }
  }

  private static Result incomplete(Result r, String why) {
    r.complete = false;
    r.incomplete = why;
    return r;
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
