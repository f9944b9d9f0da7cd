package org.tlbscript.session;

import java.util.List;
import org.tlbscript.engine.Checkers;
import org.tlbscript.engine.Engine;
import org.tlbscript.engine.Observer;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Vars;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Ast.Assert;

/** Evaluates assertions; a failure says what was expected and what the model holds. */
final class Assertions {
  private final Session s;
  private final Machine m;

  Assertions(Session s) {
    this.s = s;
    this.m = s.machine();
  }

  /** Null when the assertion holds, else the explanation. */
  String check(Assert a) {
    int cpu = a.cpu() == null ? -1 : a.cpu().n();
    String c = "cpu" + cpu;
    long n = a.n() == null ? 0 : a.n().value();
    return switch (a.check()) {
      case STALE_NONE -> staleNone();
      case STALE_CPU -> staleOn(cpu, a.addr());
      case LATENT -> latent(cpu, a.addr().value());
      case FREED_WALK_NONE -> freedNone();
      case FREED_WALK_CPU -> freedOn(cpu);
      case IPIS -> {
        long got = 0;
        for (int i = 0; i < s.cpus(); i++) {
          got += cpu < 0 || i == cpu ? m.ipisTaken(i) : 0;
        }
        yield got == n ? null : "expected " + (cpu < 0 ? "" : c + " to have taken ") + n
            + " flush IPI" + (n == 1 ? "" : "s") + (cpu < 0 ? " in all" : "") + ", but "
            + (cpu < 0 ? "there were " : "it took ") + got + perCpu();
      }
      case CR3 -> count("CR3 writes on " + c, n, m.cr3Writes(cpu));
      case FLUSHES_FULL -> count("full TLB flushes on " + c, n, m.fullFlushes(cpu));
      case FLUSHES_PARTIAL -> count("INVLPGs (partial flushes) on " + c, n, m.invlpgs(cpu));
      case LAZY -> s.lazyMode(cpu) ? null : "expected " + c + " to be lazy (a kernel thread on a user "
          + "mm), but it " + Preconditions.describe(s, cpu);
      case NOT_LAZY -> !s.lazyMode(cpu) ? null : "expected " + c + " not to be lazy, but it "
          + Preconditions.describe(s, cpu);
      case LOADED -> s.loadedMm(cpu) == s.mm(a.mm()) ? null : "expected " + c + " to have "
          + a.mm().name() + " loaded, but loaded_mm is " + s.mmName(s.loadedMm(cpu));
      case ASID -> m.reg(cpu, Vars.LOADED_MM_ASID) == n ? null : "expected " + c + " to run ASID "
          + n + ", but loaded_mm_asid is " + m.reg(cpu, Vars.LOADED_MM_ASID);
      case MASK -> {
        long want = 0;
        for (Ast.CpuRef r : a.cpus()) {
          want |= 1L << r.n();
        }
        long got = s.cpumask(s.mm(a.mm()));
        yield want == got ? null : "expected mm_cpumask(" + a.mm().name() + ") = " + Engine.cpuSet(want)
            + ", but it is " + Engine.cpuSet(got);
      }
      case GEN -> count(a.mm().name() + ".tlb_gen", n, s.tlbGen(s.mm(a.mm())));
    };
  }

  private String count(String what, long want, long got) {
    return want == got ? null : "expected " + want + " " + what + ", but there " + (got == 1 ? "was " : "were ") + got;
  }

  private String perCpu() {
    StringBuilder sb = new StringBuilder(" (");
    for (int i = 0; i < s.cpus(); i++) {
      sb.append(i == 0 ? "" : ", ").append("cpu").append(i).append(": ").append(m.ipisTaken(i));
    }
    return sb.append(')').toString();
  }

  private List<Checkers.Stale> stale() {
    return s.checkers().staleEntries(m);
  }

  private String describe(Checkers.Stale st) {
    return "cpu" + st.cpu() + " " + (st.usable() ? "can use" : "holds") + " a stale entry for 0x"
        + Long.toHexString(st.va()) + " (ASID " + st.asid() + ", PCID " + m.pcidOf(st.asid()) + ", pfn "
        + Machine.entryPfn(st.entry()) + ", " + s.mmName(Machine.entryRoot(st.entry())) + " at gen "
        + s.tlbGen(Machine.entryRoot(st.entry())) + ", slot gen " + m.reg(st.cpu(), Vars.ctxGen(st.asid()))
        + "): " + st.why();
  }

  private String staleNone() {
    for (int c = 0; c < s.cpus(); c++) {
      if (s.engine().staleUses(m, c) > 0) {
        return "expected no use of a stale translation, but cpu" + c + " used a stale TLB entry for 0x"
            + Long.toHexString(s.engine().firstStaleUse(m, c)) + detail(Observer.Event.Kind.STALE_USE, c);
      }
    }
    for (Checkers.Stale st : stale()) {
      if (st.usable() && st.covered()) {
        return "expected no usable stale translation, but " + describe(st);
      }
    }
    return null;
  }

  /** The event's own words, when the run was traced sequentially. */
  private String detail(Observer.Event.Kind kind, int cpu) {
    for (Observer.Event e : s.events()) {
      if (e.kind() == kind && e.cpu() == cpu) {
        return " (" + e.message() + ")";
      }
    }
    return "";
  }

  private String staleOn(int cpu, Ast.Num addr) {
    if (s.engine().staleUses(m, cpu) > 0
        && (addr == null || s.engine().firstStaleUse(m, cpu) == addr.value())) {
      return null;
    }
    for (Checkers.Stale st : stale()) {
      if (st.cpu() == cpu && st.usable() && st.covered() && (addr == null || st.va() == addr.value())) {
        return null;
      }
    }
    return "expected cpu" + cpu + " to be able to use a stale translation"
        + (addr == null ? "" : " for 0x" + Long.toHexString(addr.value())) + ", but it cannot"
        + latentNote(cpu);
  }

  private String latentNote(int cpu) {
    for (Checkers.Stale st : stale()) {
      if (st.cpu() == cpu) {
        return " (it " + describe(st).substring(("cpu" + cpu + " ").length()) + ", latent)";
      }
    }
    return "";
  }

  private String latent(int cpu, long va) {
    for (Checkers.Stale st : stale()) {
      if (st.cpu() == cpu && st.va() == va) {
        return st.usable() && st.covered() ? "expected the stale entry for 0x" + Long.toHexString(va)
            + " on cpu" + cpu + " to be latent, but it is usable: " + describe(st) : null;
      }
    }
    return "expected cpu" + cpu + " to hold a latent stale entry for 0x" + Long.toHexString(va)
        + ", but it holds none";
  }

  private String freedNone() {
    for (int c = 0; c < s.cpus(); c++) {
      if (s.engine().freedWalks(m, c) > 0) {
        return "expected no walk of a freed page table, but cpu" + c + " walked one at 0x"
            + Long.toHexString(s.engine().firstFreedWalk(m, c)) + detail(Observer.Event.Kind.FREED_WALK, c);
      }
    }
    for (int c = 0; c < s.cpus(); c++) {
      String reach = reach(c);
      if (reach != null) {
        return "expected no CPU able to walk a freed page table, but " + reach;
      }
    }
    return null;
  }

  private String freedOn(int cpu) {
    if (s.engine().freedWalks(m, cpu) > 0) {
      return null;
    }
    return reach(cpu) != null ? null : "expected cpu" + cpu + " to be able to walk a freed page table, "
        + "but its paging-structure cache holds no PDE of a freed table in its current ASID";
  }

  private String reach(int cpu) {
    int region = s.checkers().freedTableInReach(m, cpu);
    return region < 0 ? null : "cpu" + cpu + " (CR3 → " + s.mmName(m.cr3Root(cpu)) + ", ASID "
        + m.cr3Asid(cpu) + ") still caches a PDE pointing at the freed PTE page of 0x"
        + Long.toHexString(s.layout().regionAddress(region)) + ": a speculative walk can read it";
  }
}
