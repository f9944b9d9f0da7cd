package org.tlbscript.engine;

import java.util.Map;
import java.util.WeakHashMap;
import org.tlbscript.hw.Layout;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Local;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Step;
import org.tlbscript.kernels.Vars;

/**
 * Which frame variables a model's steps read, learnt as they run, and which are live at each
 * step: read by a step reachable from it. The explorer clears the dead ones (dead-variable
 * reduction, docs/explorer.md reduction 6), as Spin resets a variable that will not be read
 * again: two states that differ only in a value no step will read have the same futures.
 *
 * <p>Steps are Java code, so what a step reads is learnt, not declared: every read of a frame
 * variable is checked against the table, and a read the table did not know is added and counts
 * as news ({@link #version}). An exploration that made news may have cleared a variable still to
 * be read, so it is run again, with the larger table (Explorer). One table per model, kept for
 * the process: it only grows.
 */
final class Liveness {
  private static final Map<KernelModel, Liveness> TABLES = new WeakHashMap<>();

  /** The table of {@code model}. */
  static synchronized Liveness of(KernelModel model) {
    return TABLES.computeIfAbsent(model, Liveness::new);
  }

  private static volatile boolean enabled = !Boolean.getBoolean("tlbscript.noDeadVariables");

  /** Turns clearing dead variables off or on (tests compare the two). */
  static void enabled(boolean on) {
    enabled = on;
  }

  static boolean enabled() {
    return enabled;
  }

  private final KernelModel model;
  /** Per routine index and pc: the frame slots the step there was seen to read. */
  private final long[][] reads;
  /**
   * Per routine index and pc: the slots live there (null: to be computed). Workers of a parallel
   * search read it without a lock: each array is published whole, through a volatile write.
   */
  private final java.util.concurrent.atomic.AtomicReferenceArray<long[]> live;
  /** Per routine index: the slots that may be cleared (values and cpumasks; a CPU number renames to another). */
  private final long[] clearable;
  /** Counts what the table learnt. */
  private volatile int version;

  private Liveness(KernelModel model) {
    this.model = model;
    int n = model.routines().size();
    reads = new long[n][];
    live = new java.util.concurrent.atomic.AtomicReferenceArray<>(n);
    clearable = new long[n];
    for (int i = 0; i < n; i++) {
      Routine r = model.routine(i);
      reads[i] = new long[r.steps.size() + 1];
      for (int slot = 0; slot < r.frameSize() && slot < 64; slot++) {
        if (r.holds(slot) != Routine.Holds.CPU) {
          clearable[i] |= 1L << slot;
        }
      }
    }
  }

  int version() {
    return version;
  }

  private boolean probed;

  /**
   * Fills the table before the first exploration: runs each step's code a few times on a
   * stand-in machine whose every read returns an arbitrary small value, and notes which frame
   * variables it reads. A branch the stand-in values never take is learnt later, as the step
   * runs (the exploration is then run again), so the probe only saves runs, it decides nothing.
   */
  synchronized void probe(Engine engine) {
    if (probed || !probing) {
      return;
    }
    probed = true;
    for (int ri = 0; ri < model.routines().size(); ri++) {
      Routine r = model.routine(ri);
      for (int pc = 0; pc < r.steps.size(); pc++) {
        Step s = r.steps.get(pc);
        for (int seed = 0; seed < 12; seed++) {
          Probe x = new Probe(engine, ri, pc, seed);
          try {
            switch (s.type()) {
              case DO -> s.effect().run(x);
              case GOTO, RETURN -> {
                if (s.cond() != null) {
                  s.cond().test(x);
                }
              }
              case WAIT -> {
                s.cond().test(x);
                if (s.effect() != null) {
                  s.effect().run(x);
                }
              }
              case CALL -> s.args().apply(x);
            }
          } catch (RuntimeException | LinkageError e) {
            // arbitrary values can take the code where it never goes: what it read so far counts
          }
        }
      }
    }
  }

  private static volatile boolean probing = true;

  /** Turns the probe off or on (a test makes an exploration learn everything as it runs). */
  static void probing(boolean on) {
    probing = on;
  }

  /** The stand-in machine of {@link #probe}: reads return small values, writes go nowhere. */
  private final class Probe implements org.tlbscript.kernels.Exec {
    private final Engine engine;
    private final int ri;
    private final int pc;
    private final java.util.SplittableRandom rnd;
    private Machine scratch;

    Probe(Engine engine, int ri, int pc, int seed) {
      this.engine = engine;
      this.ri = ri;
      this.pc = pc;
      this.rnd = new java.util.SplittableRandom(seed);
    }

    private long any() {
      return rnd.nextInt(5) - 1; // -1 (SWITCHING, TLB_FLUSH_ALL) to 3
    }

    @Override public int cpu() { return 0; }
    @Override public int cpus() { return engine.layout.cpus; }
    @Override public Vars vars() { return engine.vars; }
    @Override public long ceiling() { return 33; }
    @Override public boolean pcid() { return rnd.nextBoolean(); }
    @Override public int cpumaskNext(long after, long mask) { return engine.layout.cpus; }
    @Override public long get(Local l) { read(ri, pc, l.slot()); return any(); }
    @Override public void set(Local l, long v) { }
    @Override public long load(int cell) { return any(); }
    @Override public void store(int cell, long v) { }
    @Override public long rmwAdd(int cell, long delta) { return any(); }
    @Override public void rmwBits(int cell, long bits, boolean set) { }
    @Override public long cmpxchg(int cell, long expected, long value) { return any(); }
    @Override public long xchg(int cell, long value) { return any(); }
    @Override public void fence() { }
    @Override public long jiffies() { return any(); }
    @Override public long own(int cell) { return any(); }
    @Override public long ownBit(int cell) { return rnd.nextInt(2); }
    @Override public long loadPte(int mm, int page) { return any(); }
    @Override public void storePte(int mm, int page, long pte) { }
    @Override public long xchgPte(int mm, int page, long pte) { return any(); }
    @Override public long loadPmd(int mm, int region) { return any(); }
    @Override public void storePmd(int mm, int region, long table) { }
    @Override public long reg(int r) { return any(); }
    @Override public void setReg(int r, long v) { }
    @Override public long regOf(int cpu, int r) { return any(); }
    @Override public Layout layout() { return engine.layout; }
    @Override public int cr3Root() { return (int) Math.max(0, any()); }
    @Override public int cr3Asid() { return (int) Math.max(0, any()); }
    @Override public void writeCr3(int mm, int asid, boolean noflush) { }
    @Override public void invlpg(long va) { }
    @Override public void sendIpis(long targets, String handler) { }
    @Override public boolean ipisDone() { return rnd.nextBoolean(); }
    @Override public long allocPfn() { return any(); }
    @Override public int allocTable(int mm, int region) { return 1; }
    @Override public void freeTable(long table) { }
    @Override public void pteChanged(int mm, int page) { }
    @Override public int ptlHolder(int mm, int page) { return (int) any(); }
    @Override public void ptl(int mm, int page, boolean lock) { }
    @Override public void flushReturned(int mm, long gen) { }
    @Override public boolean tracing() { return false; }
    @Override public void note(String text) { }
    @Override public String mmName(long mm) { return "mm" + mm; }

    @Override
    public Machine hw() {
      if (scratch == null) {
        scratch = new Machine(engine.layout, false, false);
      }
      return scratch;
    }

    @Override
    public Machine.Access userAccess(long va, boolean write) {
      Machine.Access.Kind[] kinds = Machine.Access.Kind.values();
      return new Machine.Access(kinds[rnd.nextInt(kinds.length)], any(), 1, rnd.nextBoolean());
    }
  }

  /** The step at {@code pc} of routine {@code ri} reads slot {@code slot}. */
  void read(int ri, int pc, int slot) {
    if (slot >= 64 || (reads[ri][pc] >>> slot & 1) != 0) {
      return;
    }
    synchronized (this) {
      if ((reads[ri][pc] >>> slot & 1) == 0) { // another worker may have learnt it meanwhile
        reads[ri][pc] |= 1L << slot;
        live.set(ri, null);
        version++;
      }
    }
  }

  /** The slots of routine {@code ri} that hold nothing a step from {@code pc} on will read. */
  long dead(int ri, int pc) {
    long[] l = live.get(ri);
    if (l == null) {
      l = compute(ri);
    }
    return clearable[ri] & ~l[pc];
  }

  private synchronized long[] compute(int ri) {
    Routine r = model.routine(ri);
    int n = r.steps.size();
    long[] l = new long[n + 1];
    boolean changed = true;
    while (changed) {
      changed = false;
      for (int pc = n - 1; pc >= 0; pc--) {
        Step s = r.steps.get(pc);
        long v = reads[ri][pc];
        switch (s.type()) {
          case DO -> v |= s.target() != null ? l[r.target(pc)] : l[pc + 1];
          case GOTO -> v |= l[pc + 1] | l[r.target(pc)];
          case RETURN -> v |= s.cond() == null ? 0 : l[pc + 1];
          case CALL, WAIT -> v |= l[pc + 1];
        }
        if (v != l[pc]) {
          l[pc] = v;
          changed = true;
        }
      }
    }
    live.set(ri, l);
    return l;
  }
}
