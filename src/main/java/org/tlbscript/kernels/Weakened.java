package org.tlbscript.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.tlbscript.hw.Layout;
import org.tlbscript.hw.Machine;

/**
 * A model with one ordering point weakened, for {@code tlbscript barriers}: the step keeps its
 * label, function and effect, but its fence does nothing, its locked read-modify-writes become
 * a plain load and a plain store (a locked bit operation changes its bit without draining the
 * store buffer), its CR3 write or IPI send no longer orders older stores, and a wait goes on at
 * once. What the step computes is unchanged; only the order in which its memory accesses become
 * visible is not (and, for a wait, what it waited for).
 */
public final class Weakened {
  private Weakened() {}

  /** An ordering point of a model: a step whose access is a fence, a locked RMW, a CR3 write or an IPI. */
  public record Point(Routine routine, Step step) {
    public String name() {
      return routine.name + ":" + step.label();
    }

    /** Why this point cannot be weakened here, or null. */
    public String cannot() {
      if (step.type() == Step.Type.WAIT) {
        return null; // a wait is removed: it goes on at once (and does what it waited for)
      }
      if (step.type() != Step.Type.DO) {
        return "a " + step.type().name().toLowerCase() + " step: nothing to weaken";
      }
      return null;
    }
  }

  /** The ordering points of {@code m}, routine by routine, in step order. */
  public static List<Point> points(KernelModel m) {
    List<Point> out = new ArrayList<>();
    for (Routine r : m.routines()) {
      for (Step s : r.steps) {
        Access a = s.access();
        if (a == Access.F || a == Access.RMW || a == Access.CR3 || a == Access.IPI) {
          out.add(new Point(r, s));
        }
      }
    }
    return out;
  }

  /**
   * {@code m} with point {@code p} weakened; {@code ran} counts the times the weakened step ran
   * an ordering operation with stores still buffered, when the ordering would have mattered.
   */
  public static KernelModel model(KernelModel m, Point p, AtomicInteger ran) {
    Step s = p.step();
    Step.Effect effect = s.effect() == null ? null : x -> s.effect().run(new Exec(x, ran));
    // a wait that waits no more: csd_lock_wait returning before the handlers ran, a lock taken
    // while another CPU holds it
    java.util.function.Predicate<org.tlbscript.kernels.Exec> cond = s.type() != Step.Type.WAIT ? s.cond()
        : x -> {
          if (!s.cond().test(x)) {
            ran.incrementAndGet();
          }
          return true;
        };
    String text = s.text() + (s.type() == Step.Type.WAIT ? " [wait removed]" : " [ordering removed]");
    return m.derive(m.name + "~" + p.name()).basis(m.basis).replace(p.routine().name, s.label(),
        old -> new Step(old.label(), old.function(), old.access(), text, old.type(), effect, cond,
            old.target(), old.callee(), old.args())).build();
  }

  /** The step's view of the machine with its ordering taken out. */
  private static final class Exec implements org.tlbscript.kernels.Exec {
    private final org.tlbscript.kernels.Exec x;
    private final AtomicInteger ran;

    Exec(org.tlbscript.kernels.Exec x, AtomicInteger ran) {
      this.x = x;
      this.ran = ran;
    }

    /** An ordering operation is skipped: it mattered if a store was still buffered. */
    private void skipped() {
      if (x.hw().storeBufferCount(x.cpu()) > 0) {
        ran.incrementAndGet();
      }
    }

    @Override
    public void fence() {
      skipped();
    }

    @Override
    public long rmwAdd(int cell, long delta) {
      skipped();
      long v = x.load(cell) + delta;
      x.store(cell, v);
      return v;
    }

    @Override
    public long cmpxchg(int cell, long expected, long value) {
      skipped();
      long old = x.load(cell);
      if (old == expected) {
        x.store(cell, value);
      }
      return old;
    }

    @Override
    public long xchg(int cell, long value) {
      skipped();
      long old = x.load(cell);
      x.store(cell, value);
      return old;
    }

    @Override
    public void rmwBits(int cell, long bits, boolean set) {
      skipped();
      x.hw().rmwBitsUnordered(x.cpu(), x.layout().cell(cell), bits, set);
    }

    @Override
    public long xchgPte(int mm, int page, long pte) {
      skipped();
      long old = x.loadPte(mm, page);
      x.storePte(mm, page, pte);
      return old;
    }

    @Override
    public void writeCr3(int mm, int asid, boolean noflush) {
      skipped();
      x.hw().writeCr3Unordered(x.cpu(), mm, asid, noflush);
    }

    // everything else as the step sees it
    @Override public int cpu() { return x.cpu(); }
    @Override public int cpus() { return x.cpus(); }
    @Override public Vars vars() { return x.vars(); }
    @Override public long ceiling() { return x.ceiling(); }
    @Override public boolean pcid() { return x.pcid(); }
    @Override public int cpumaskNext(long after, long mask) { return x.cpumaskNext(after, mask); }
    @Override public long get(Local l) { return x.get(l); }
    @Override public void set(Local l, long v) { x.set(l, v); }
    @Override public long load(int cell) { return x.load(cell); }
    @Override public void store(int cell, long v) { x.store(cell, v); }
    @Override public long jiffies() { return x.jiffies(); }
    @Override public long own(int cell) { return x.own(cell); }
    @Override public long ownBit(int cell) { return x.ownBit(cell); }
    @Override public long loadPte(int mm, int page) { return x.loadPte(mm, page); }
    @Override public void storePte(int mm, int page, long pte) { x.storePte(mm, page, pte); }
    @Override public long loadPmd(int mm, int region) { return x.loadPmd(mm, region); }
    @Override public void storePmd(int mm, int region, long table) { x.storePmd(mm, region, table); }
    @Override public long reg(int r) { return x.reg(r); }
    @Override public void setReg(int r, long v) { x.setReg(r, v); }
    @Override public long regOf(int cpu, int r) { return x.regOf(cpu, r); }
    @Override public Machine hw() { return x.hw(); }
    @Override public Layout layout() { return x.layout(); }
    @Override public int cr3Root() { return x.cr3Root(); }
    @Override public int cr3Asid() { return x.cr3Asid(); }
    @Override public void invlpg(long va) { x.invlpg(va); }
    @Override public Machine.Access userAccess(long va, boolean write) { return x.userAccess(va, write); }
    @Override
    public void sendIpis(long targets, String handler) {
      skipped();
      x.sendIpisUnordered(targets, handler);
    }

    @Override public boolean ipisDone() { return x.ipisDone(); }
    @Override public long allocPfn() { return x.allocPfn(); }
    @Override public int allocTable(int mm, int region) { return x.allocTable(mm, region); }
    @Override public void freeTable(long table) { x.freeTable(table); }
    @Override public void pteChanged(int mm, int page) { x.pteChanged(mm, page); }
    @Override public int ptlHolder(int mm, int page) { return x.ptlHolder(mm, page); }
    @Override public void ptl(int mm, int page, boolean lock) { x.ptl(mm, page, lock); }
    @Override public void flushReturned(int mm, long gen) { x.flushReturned(mm, gen); }
    @Override public boolean tracing() { return x.tracing(); }
    @Override public void note(String text) { x.note(text); }
    @Override public String mmName(long mm) { return x.mmName(mm); }
  }
}
