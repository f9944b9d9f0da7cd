package org.tlbscript.engine;

import java.util.ArrayList;
import java.util.List;
import org.tlbscript.hw.Layout;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.SelfCheck;
import org.tlbscript.kernels.Vars;

/**
 * The invariants of kernel-tlb.md §3 as observers over a machine state. They read the state and
 * the ghost bookkeeping; they never change the run.
 */
public final class Checkers {
  private final Vars v;
  private final Layout l;

  public Checkers(Vars vars, Layout layout) {
    this.v = vars;
    this.l = layout;
  }

  /** A TLB entry that no longer matches the PTE it was filled from. */
  public record Stale(int cpu, int asid, long va, long entry, String why, boolean usable,
      boolean covered) {}

  /**
   * Why the entry is stale, or null: the PTE is gone, points elsewhere, or is now read-only
   * while the entry still allows writes.
   */
  public String staleness(Machine m, long entry, int page) {
    if (entry == 0) {
      return null;
    }
    long pte = m.memory(l.pteCell(Machine.entryRoot(entry), page));
    if (pte == 0) {
      return "its PTE was cleared";
    } else if (Machine.ptePfn(pte) != Machine.entryPfn(entry)) {
      return "its PTE now maps pfn " + Machine.ptePfn(pte);
    } else if (Machine.entryWritable(entry) && !Machine.pteWritable(pte)) {
      return "its PTE is now read-only";
    }
    return null;
  }

  /** Whether the entry's only staleness is that it still allows writes to a page now read-only. */
  public boolean onlyStillWritable(Machine m, long entry, int page) {
    long pte = m.memory(l.pteCell(Machine.entryRoot(entry), page));
    return pte != 0 && Machine.ptePfn(pte) == Machine.entryPfn(entry) && Machine.entryWritable(entry)
        && !Machine.pteWritable(pte);
  }

  /** Can the CPU access user memory of the mm in its CR3 through ASID {@code asid} right now? */
  public boolean usable(Machine m, int cpu, int asid) {
    long cur = m.reg(cpu, Vars.CUR_MM);
    return cur != Vars.NULL_MM && cur == m.cr3Root(cpu) && asid == m.cr3Asid(cpu);
  }

  /** Has a flush that covers the last change of (mm, page) returned? */
  public boolean covered(Machine m, int mm, int page) {
    long g = m.global(v.changeGen(mm, page));
    return g > 0 && g <= m.global(v.completedGen(mm));
  }

  public List<Stale> staleEntries(Machine m) {
    List<Stale> out = new ArrayList<>();
    for (int c = 0; c < l.cpus; c++) {
      for (int a = 0; a < Layout.ASIDS; a++) {
        for (int p = 0; p < l.pages(); p++) {
          long e = m.tlbEntry(c, a, p);
          if (e == 0) {
            continue;
          }
          int root = Machine.entryRoot(e);
          boolean usable = usable(m, c, a);
          String why = staleness(m, e, p);
          if (why == null && usable && root != m.cr3Root(c)) {
            why = "it was filled for another mm under the same ASID";
          }
          if (why != null) {
            out.add(new Stale(c, a, l.pageAddress(p), e, why, usable,
                root != m.cr3Root(c) || covered(m, root, p)));
          }
        }
      }
    }
    return out;
  }

  /** A PDE cached in the CPU's current ASID that points at a freed page table, or -1. */
  public int freedTableInReach(Machine m, int cpu) {
    int asid = m.cr3Asid(cpu);
    for (int g = 0; g < l.regions(); g++) {
      long table = m.pscEntry(cpu, asid, g);
      if (table != 0 && isFreed(m, g, table)) {
        return g;
      }
    }
    return -1;
  }

  public boolean isFreed(Machine m, int region, long table) {
    return (m.global(Vars.FREED_TABLES) >>> table & 1) != 0;
  }

  /** I-asid (§3.6): CR3 matches loaded_mm and loaded_mm_asid, and the slot names loaded_mm. */
  public String asidInvariant(Machine m, int cpu, java.util.Set<SelfCheck> checks) {
    long loaded = m.load(cpu, l.cell(v.loadedMm(cpu)));
    if (loaded == Vars.SWITCHING) {
      return null;
    }
    long asid = m.reg(cpu, Vars.LOADED_MM_ASID);
    if (checks.contains(SelfCheck.CR3_MATCHES_LOADED_MM)
        && (m.cr3Root(cpu) != loaded || m.cr3Asid(cpu) != asid)) {
      return "I-asid: CR3 holds (root " + m.cr3Root(cpu) + ", asid " + m.cr3Asid(cpu)
          + ") but loaded_mm is " + loaded + " with asid " + asid;
    }
    if (checks.contains(SelfCheck.SLOT_NAMES_LOADED_MM)
        && m.reg(cpu, Vars.ctxId((int) asid)) != Vars.ctxIdOf(loaded)) {
      return "I-asid: ctxs[" + asid + "].ctx_id is " + m.reg(cpu, Vars.ctxId((int) asid))
          + ", not loaded_mm's " + Vars.ctxIdOf(loaded);
    }
    return null;
  }

  /**
   * I-gen (§3.2): a slot that names an mm at generation G holds no entry made stale by a change
   * covered by G, and G never exceeds the mm's tlb_gen.
   */
  public String genInvariant(Machine m, int cpu) {
    for (int a = 0; a < Layout.ASIDS; a++) {
      long ctx = m.reg(cpu, Vars.ctxId(a));
      if (ctx == 0) {
        continue;
      }
      int mm = (int) ctx - 1;
      long slotGen = m.reg(cpu, Vars.ctxGen(a));
      long mmGen = m.memory(l.cell(v.tlbGen(mm)));
      if (slotGen > mmGen) {
        return "I-gen: ctxs[" + a + "].tlb_gen " + slotGen + " > tlb_gen " + mmGen;
      }
      for (int p = 0; p < l.pages(); p++) {
        long e = m.tlbEntry(cpu, a, p);
        long changed = m.global(v.changeGen(mm, p));
        if (e != 0 && changed > 0 && changed <= slotGen && Machine.entryRoot(e) == mm
            && staleness(m, e, p) != null) {
          return "I-gen: asid " + a + " is recorded at gen " + slotGen + " but holds an entry for "
              + "0x" + Long.toHexString(l.pageAddress(p)) + " made stale at gen "
              + m.global(v.changeGen(mm, p));
        }
      }
    }
    return null;
  }
}
