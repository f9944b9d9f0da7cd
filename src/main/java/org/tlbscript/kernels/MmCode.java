package org.tlbscript.kernels;

import org.tlbscript.kernels.Routine.Holds;
import static org.tlbscript.kernels.Access.CTL;
import static org.tlbscript.kernels.Access.F;
import static org.tlbscript.kernels.Access.HW;
import static org.tlbscript.kernels.Access.P;
import static org.tlbscript.kernels.Access.R;
import static org.tlbscript.kernels.Access.RMW;
import static org.tlbscript.kernels.Access.W;

import org.tlbscript.hw.Layout;
import org.tlbscript.hw.Machine;

/**
 * The code around arch/x86/mm/tlb.c that scenario actions start: the scheduler's
 * context_switch, use_mm/unuse_mm, the user access with its page fault, and the mm code that
 * changes PTEs and then flushes (zap_pte_range + mmu_gather, change_protection,
 * ptep_clear_flush, free_pgtables, exit_mm/exit_mmap). It is the same in every modelled era;
 * it reaches the era-specific TLB code only through the routines it calls by name
 * ({@code switch_mm_irqs_off}, {@code enter_lazy_tlb}, {@code flush_tlb_mm_range}).
 *
 * <p>Labels: CS (context switch), UM/UU (use/unuse), UA (user access), MP (map), ZP (zap),
 * PR (mprotect), RM (remap), FP (free_pgtables), EX (exit).
 */
public final class MmCode {
  private MmCode() {}

  /** Register of the scheduler's view: 1 while a kernel thread (or idle) runs. */
  public static final int KTHREAD = Vars.REGS;
  /** Registers this class adds after {@link Vars#REGS}. */
  public static final int REGS = Vars.REGS + 1;

  /**
   * __schedule, before it calls context_switch: local_irq_disable(); rq_lock(rq, &rf);
   * smp_mb__after_spinlock(). The lock is a LOCK'd instruction, a full barrier on x86 (where
   * smp_mb__after_spinlock() is empty): stores of the task that ran before are in memory before
   * the switch. The unlock after the switch (finish_lock_switch) is a plain release store to
   * the CPU's own run queue, which no other CPU of a scenario touches: it changes no outcome
   * and is not modelled.
   */
  private static void rqLock(Routine.Builder r) {
    r.fn("__schedule");
    r.step("CS0", RMW, "rq_lock(rq, &rf); smp_mb__after_spinlock() (the LOCK'd acquisition drains the "
        + "store buffer)", Exec::fence);
    r.fn("context_switch");
  }

  static Routine contextSwitchToUser(String switchMm) {
    Routine.Builder r = Routine.builder("context_switch").irqsOff();
    Local mm = r.param("mm");
    Local oldmm = r.local("oldmm");
    rqLock(r);
    r.step("CS1", P, "oldmm := prev->active_mm; current := a task of mm (mm, active_mm := mm)", x -> {
      x.set(oldmm, x.reg(Vars.ACTIVE_MM));
      x.setReg(Vars.CUR_MM, x.get(mm));
      x.setReg(Vars.ACTIVE_MM, x.get(mm));
      x.setReg(KTHREAD, 0);
    });
    r.call("CS2", "switch_mm_irqs_off(oldmm, mm, next)", switchMm,
        x -> new long[] {x.get(oldmm), x.get(mm)});
    return r.build();
  }

  static Routine contextSwitchToKthread(String enterLazy) {
    Routine.Builder r = Routine.builder("context_switch_kthread").irqsOff();
    r.param("mm");
    rqLock(r);
    r.step("CS1", P, "current := a kernel thread (mm := NULL, active_mm := prev->active_mm)", x -> {
      x.setReg(Vars.CUR_MM, Vars.NULL_MM);
      x.setReg(KTHREAD, 1);
    });
    r.call("CS2", "enter_lazy_tlb(active_mm, next)", enterLazy,
        x -> new long[] {x.reg(Vars.ACTIVE_MM)});
    return r.build();
  }

  /** use_mm (kthread_use_mm from 5.8): a kernel thread adopts mm. */
  static Routine useMm(String name, String switchMm) {
    Routine.Builder r = Routine.builder(name);
    Local mm = r.param("mm");
    Local active = r.local("active_mm");
    r.step("UM0", RMW, "task_lock(tsk) (a LOCK'd acquisition: the store buffer drains)", Exec::fence);
    r.step("UM1", P, "active_mm := tsk->active_mm; tsk->active_mm := mm; tsk->mm := mm", x -> {
      x.set(active, x.reg(Vars.ACTIVE_MM));
      x.setReg(Vars.ACTIVE_MM, x.get(mm));
      x.setReg(Vars.CUR_MM, x.get(mm));
    });
    r.call("UM2", "switch_mm(active_mm, mm, tsk): irqs off, switch_mm_irqs_off", switchMm,
        x -> new long[] {x.get(active), x.get(mm)});
    return r.build();
  }

  /** unuse_mm (kthread_unuse_mm from 5.8): tsk->mm := NULL, active_mm stays, enter_lazy_tlb. */
  static Routine unuseMm(String name, String enterLazy) {
    Routine.Builder r = Routine.builder(name);
    Local mm = r.param("mm");
    r.step("UU0", RMW, "task_lock(tsk) (a LOCK'd acquisition: the store buffer drains)", Exec::fence);
    r.step("UU1", P, "tsk->mm := NULL (active_mm is still mm)",
        x -> x.setReg(Vars.CUR_MM, Vars.NULL_MM));
    r.call("UU2", "enter_lazy_tlb(mm, tsk)", enterLazy, x -> new long[] {x.get(mm)});
    return r.build();
  }

  /**
   * A user access (or uaccess on behalf of the mm): TLB hit or page walk; on a not-present PTE
   * the page fault maps a fresh page (demand paging) and the access is retried.
   */
  static Routine userAccess() {
    Routine.Builder r = Routine.builder("user_access").fn("user access");
    Local mm = r.param("mm");
    Local va = r.param("va");
    r.param("end");
    Local write = r.param("write");
    Local result = r.local("result");
    r.step("UA1", HW, "translate va through the TLB or a page walk", x -> {
      Machine.Access a = x.userAccess(x.get(va), x.get(write) != 0);
      x.set(result, a.kind().ordinal());
    });
    r.returnIf("UA2", "if the translation succeeded return", x -> succeeded(x.get(result)));
    r.fn("do_user_addr_fault");
    r.returnIf("UA3", "if a write hit a read-only PTE: SIGSEGV, return",
        x -> x.get(result) == Machine.Access.Kind.PROTECTION.ordinal());
    r.fn("handle_mm_fault");
    // both under a lock, each a step: another CPU's fault on the same page waits for it, then
    // finds the PMD or PTE set and keeps it (the spin_unlock store follows the PMD/PTE store)
    pmdInstall(r, "UA4", mm, va);
    pteInstall(r, "UA5", "do_anonymous_page: ", "new page", mm, va, null);
    r.step("UA6", F, "return from the fault (IRET is serializing)", Exec::fence);
    r.fn("user access");
    r.step("UA7", HW, "retry the access", x -> {
      Machine.Access a = x.userAccess(x.get(va), x.get(write) != 0);
      x.set(result, a.kind().ordinal());
    });
    return r.build();
  }

  private static boolean ptlFree(Exec x, long mm, long va) {
    return x.ptlHolder((int) mm, x.layout().page(va)) < 0;
  }

  /** __pte_alloc's pmd_install: under pmd_lock, a PTE page unless another CPU installed one. */
  private static void pmdInstall(Routine.Builder r, String label, Local mm, Local va) {
    r.step(label, RMW, "pmd_install: pmd_lock; if pmd_none(*pmd) (no PTE page yet): pmd_populate; spin_unlock",
        x -> {
          x.fence();
          populate(x, x.get(mm), x.get(va));
          x.fence();
        });
  }

  /**
   * Under the PTE lock, taken (waiting while another CPU holds it) and dropped in one step: a new
   * page (or the page in {@code pfn}, when not null and not 0) unless the PTE is set already. The
   * unlock store follows the PTE store, so the next holder sees it: the buffer drains first.
   */
  private static void pteInstall(Routine.Builder r, String label, String function, String what, Local mm,
      Local va, Local pfn) {
    r.awaitThen(label, RMW, function + "pte_offset_map_lock (waits while another CPU holds it); if "
        + "pte_none(*pte) (no other CPU mapped it): set_pte_at(pte := " + what + ", writable); pte_unmap_unlock",
        x -> ptlFree(x, x.get(mm), x.get(va)), x -> {
          int page = x.layout().page(x.get(va));
          long given = pfn == null ? 0 : x.get(pfn);
          x.fence();
          if (x.loadPte((int) x.get(mm), page) == 0) {
            x.storePte((int) x.get(mm), page, Machine.pte(given != 0 ? given : x.allocPfn(), true));
          } else if (x.tracing()) {
            x.note("another CPU mapped it: keep its page");
          }
          x.fence();
        });
  }

  private static boolean succeeded(long kind) {
    return kind == Machine.Access.Kind.HIT.ordinal() || kind == Machine.Access.Kind.FILLED.ordinal();
  }

  private static void populate(Exec x, long mm, long va) {
    Layout l = x.layout();
    int region = l.regionOf(l.page(va));
    if (x.loadPmd((int) mm, region) == 0) {
      x.storePmd((int) mm, region, x.allocTable((int) mm, region));
      if (x.tracing()) {
        x.note("new PTE page for " + hex(l.regionAddress(region)));
      }
    }
  }

  /**
   * init_new_context(tsk, mm), run when fork or exec creates the mm: here before the first
   * action that names it. ctx_id and tlb_gen are fixed per mm in the machine (ctx_id = mm + 1).
   */
  static Routine initNewContext() {
    Routine.Builder r = Routine.builder("init_new_context");
    Local mm = r.param("mm");
    r.step("IC1", P, "mm->context.ctx_id := atomic64_inc_return(&last_mm_ctx_id); "
        + "atomic64_set(&mm->context.tlb_gen, 0)",
        x -> x.hw().setGlobal(x.vars().created((int) x.get(mm)), 1));
    return r.build();
  }

  /** Installs a PTE: a fault handled on behalf of the mm, with a given or a new pfn. */
  static Routine map() {
    Routine.Builder r = Routine.builder("map").fn("handle_mm_fault");
    Local mm = r.param("mm");
    Local va = r.param("va");
    r.param("end");
    Local pfn = r.param("pfn");
    pmdInstall(r, "MP1", mm, va);
    pteInstall(r, "MP2", "", "pfn", mm, va, pfn);
    return r.build();
  }

  /**
   * The zap loop of unmap_page_range (zap_pte_range): clear each present PTE with
   * ptep_get_and_clear (xchg) and grow the mmu_gather range; it needs locals page, tlb_start,
   * tlb_end and continues at {@code done}.
   */
  private static void zap(Routine.Builder r, Local mm, Local start, Local end, Local page,
      Local tlbStart, Local tlbEnd, String done) {
    gatherWalk(r, mm, start, end, page, tlbStart, tlbEnd, "ZP", "zap_pte_range",
        "ptent := ptep_get_and_clear(pte); if present: __tlb_adjust_range(addr)", (x, m, p) -> {
          if (x.xchgPte(m, p, 0) == 0) {
            return false;
          }
          x.pteChanged(m, p);
          return true;
        }, done);
  }

  /** What a page-table walk does to one page; true when the change needs a TLB flush. */
  @FunctionalInterface
  private interface PageChange {
    boolean apply(Exec x, int mm, int page);
  }

  /**
   * tlb_gather_mmu, then a walk over the pages in [start, end) applying {@code change} to each and
   * gathering the range to flush (__tlb_adjust_range): steps {@code prefix}1–3, then {@code done}.
   */
  private static void gatherWalk(Routine.Builder r, Local mm, Local start, Local end, Local page,
      Local tlbStart, Local tlbEnd, String prefix, String walkFunction, String changeText,
      PageChange change, String done) {
    r.fn("tlb_gather_mmu");
    r.step(prefix + "1", P, "tlb.start := TASK_SIZE, tlb.end := 0; page := first page ≥ start", x -> {
      x.set(tlbStart, Long.MAX_VALUE);
      x.set(tlbEnd, 0);
      x.set(page, firstPage(x, x.get(start)));
    });
    r.fn(walkFunction);
    r.jumpIf(prefix + "2", "if page ≥ end goto " + done,
        x -> x.get(page) >= x.layout().pages()
            || x.layout().pageAddress((int) x.get(page)) >= x.get(end), done);
    r.stepThen(prefix + "3", RMW, changeText, x -> {
      int p = (int) x.get(page);
      long addr = x.layout().pageAddress(p);
      if (change.apply(x, (int) x.get(mm), p)) {
        x.set(tlbStart, Math.min(x.get(tlbStart), addr));
        x.set(tlbEnd, Math.max(x.get(tlbEnd), addr + Layout.PAGE_SIZE));
      }
      x.set(page, p + 1);
    }, prefix + "2");
  }

  /** tlb_finish_mmu without freed tables: no flush when nothing was gathered, else flush the range. */
  private static void finishGather(Routine.Builder r, Local mm, Local tlbStart, Local tlbEnd,
      String testLabel, String testText, String callLabel, String flush) {
    r.fn("tlb_flush_mmu_tlbonly");
    r.returnIf(testLabel, testText, x -> x.get(tlbEnd) == 0);
    r.fn("tlb_flush");
    r.call(callLabel, "flush_tlb_mm_range(mm, tlb.start, tlb.end, PAGE_SHIFT, tlb.freed_tables = 0)", flush,
        x -> new long[] {x.get(mm), x.get(tlbStart), x.get(tlbEnd), Vars.PAGE_SHIFT, 0});
  }

  private static long firstPage(Exec x, long addr) {
    Layout l = x.layout();
    int p = 0;
    while (p < l.pages() && l.pageAddress(p) < addr) {
      p++;
    }
    return p;
  }

  /** munmap without freeing page tables: zap, then tlb_finish_mmu flushes the gathered range. */
  static Routine munmap(String flush) {
    Routine.Builder r = Routine.builder("munmap");
    Local mm = r.param("mm");
    Local start = r.param("start");
    Local end = r.param("end");
    Local page = r.local("page");
    Local tlbStart = r.local("tlb_start");
    Local tlbEnd = r.local("tlb_end");
    zap(r, mm, start, end, page, tlbStart, tlbEnd, "ZP4");
    finishGather(r, mm, tlbStart, tlbEnd, "ZP4", "if tlb.end == 0 return (nothing was unmapped: no flush)",
        "ZP5", flush);
    return r.build();
  }

  /** mprotect to read-only: change_pte_range, then flush_tlb_range if a PTE changed. */
  static Routine mprotect(String flush) {
    Routine.Builder r = Routine.builder("mprotect").fn("change_pte_range");
    Local mm = r.param("mm");
    Local start = r.param("start");
    Local end = r.param("end");
    Local page = r.local("page");
    Local pages = r.local("pages");
    r.step("PR1", P, "page := first page ≥ start; pages := 0", x -> x.set(page, firstPage(x, x.get(start))));
    r.jumpIf("PR2", "if page ≥ end goto PR4",
        x -> x.get(page) >= x.layout().pages()
            || x.layout().pageAddress((int) x.get(page)) >= x.get(end), "PR4");
    r.stepThen("PR3", RMW, "ptep_modify_prot_start/commit: if present and writable, pte := read-only; pages++", x -> {
      int p = (int) x.get(page);
      if (makeReadOnly(x, (int) x.get(mm), p)) {
        x.set(pages, x.get(pages) + 1);
      }
      x.set(page, p + 1);
    }, "PR2");
    r.fn("change_protection_range");
    r.returnIf("PR4", "if pages == 0 return (no flush)", x -> x.get(pages) == 0);
    r.call("PR5", "flush_tlb_range(vma, start, end): flush_tlb_mm_range(mm, start, end, PAGE_SHIFT, false)",
        flush, x -> new long[] {x.get(mm), x.get(start), x.get(end), Vars.PAGE_SHIFT, 0});
    return r.build();
  }

  /**
   * mprotect to read-only from 6.0 (4a18419f71cd "mm/mprotect: use mmu_gather"): change_pte_range
   * gathers the pages whose change needs a flush (pte_needs_flush: a writable PTE made read-only)
   * and tlb_finish_mmu flushes that range, not the whole one asked for.
   */
  static Routine mprotectGather(String flush) {
    Routine.Builder r = Routine.builder("mprotect");
    Local mm = r.param("mm");
    Local start = r.param("start");
    Local end = r.param("end");
    Local page = r.local("page");
    Local tlbStart = r.local("tlb_start");
    Local tlbEnd = r.local("tlb_end");
    gatherWalk(r, mm, start, end, page, tlbStart, tlbEnd, "PR", "change_pte_range",
        "ptep_modify_prot_start/commit: if present and writable, pte := read-only; "
            + "pte_needs_flush: tlb_flush_pte_range(tlb, addr, PAGE_SIZE)", MmCode::makeReadOnly, "PR4");
    finishGather(r, mm, tlbStart, tlbEnd, "PR4", "if tlb.end == 0 return (no PTE needed a flush)", "PR5", flush);
    return r.build();
  }

  /** mprotect's change of one PTE: a present, writable PTE becomes read-only (true: it needs a flush). */
  private static boolean makeReadOnly(Exec x, int mm, int page) {
    long old = x.loadPte(mm, page);
    if (old == 0 || !Machine.pteWritable(old)) {
      return false;
    }
    x.xchgPte(mm, page, Machine.pte(Machine.ptePfn(old), false));
    x.pteChanged(mm, page);
    return true;
  }

  /** A page moves (COW break, migration): ptep_clear_flush, then the new PTE. */
  static Routine remap(String flush) {
    Routine.Builder r = Routine.builder("remap").fn("ptep_clear_flush");
    Local mm = r.param("mm");
    Local va = r.param("va");
    Local old = r.local("old");
    r.awaitThen("RM0", RMW, "pte_offset_map_lock: wait while another CPU holds it, then take it "
        + "(held across the flush, as wp_page_copy and try_to_migrate_one hold it)",
        x -> ptlFree(x, x.get(mm), x.get(va)), x -> {
          x.fence();
          x.ptl((int) x.get(mm), x.layout().page(x.get(va)), true);
        });
    r.step("RM1", RMW, "old := ptep_get_and_clear(pte)", x -> {
      int p = x.layout().page(x.get(va));
      x.set(old, x.xchgPte((int) x.get(mm), p, 0));
      x.pteChanged((int) x.get(mm), p);
    });
    r.call("RM2", "flush_tlb_page(vma, va): flush_tlb_mm_range(mm, va, va + PAGE_SIZE, PAGE_SHIFT, false)",
        flush, x -> new long[] {x.get(mm), x.get(va), x.get(va) + Layout.PAGE_SIZE, Vars.PAGE_SHIFT, 0});
    r.fn("set_pte_at");
    r.step("RM3", RMW, "set_pte_at(pte := new page, same permissions); pte_unmap_unlock (the unlock store "
        + "follows the PTE store: the buffer drains)", x -> {
          int p = x.layout().page(x.get(va));
          x.storePte((int) x.get(mm), p, Machine.pte(x.allocPfn(), Machine.pteWritable(x.get(old))));
          x.fence();
          x.ptl((int) x.get(mm), p, false);
        });
    return r.build();
  }

  /**
   * free_pgtables' loop: unlink the PTE page of every 2 MiB region inside [start, end)
   * (pmd_clear; pte_free_tlb sets tlb.freed_tables and adds the region's first page to the
   * range), remembering the unlinked tables (a bit per table id) in {@code unlinked} for
   * tlb_flush_mmu_free.
   */
  private static void unlinkTables(Routine.Builder r, Local mm, Local start, Local end,
      Local region, Local unlinked, Local tlbStart, Local tlbEnd, Local freed, String done) {
    r.fn("free_pgtables");
    r.step("FP1", P, "region := first 2 MiB region inside [start, end)", x -> {
      Layout l = x.layout();
      int g = 0;
      while (g < l.regions() && l.regionAddress(g) < x.get(start)) {
        g++;
      }
      x.set(region, g);
    });
    r.jumpIf("FP2", "if no region left inside [start, end) goto " + done, x -> {
      Layout l = x.layout();
      int g = (int) x.get(region);
      return g >= l.regions() || l.regionAddress(g) + Layout.PMD_SIZE > x.get(end);
    }, done);
    r.fn("free_pte_range");
    r.stepThen("FP3", W, "if the PMD maps a PTE page: pmd_clear(pmd); pte_free_tlb: tlb.freed_tables := 1, "
        + "__tlb_adjust_range(region, PAGE_SIZE)", x -> {
          Layout l = x.layout();
          int g = (int) x.get(region);
          long table = x.loadPmd((int) x.get(mm), g);
          if (table != 0) {
            x.storePmd((int) x.get(mm), g, 0);
            x.set(unlinked, x.get(unlinked) | 1L << table);
            x.set(freed, 1);
            long a = l.regionAddress(g);
            x.set(tlbStart, Math.min(x.get(tlbStart), a));
            x.set(tlbEnd, Math.max(x.get(tlbEnd), a + Layout.PAGE_SIZE));
          }
          x.set(region, g + 1);
        }, "FP2");
  }

  private static void freeUnlinked(Exec x, long unlinked) {
    for (long bits = unlinked; bits != 0; bits &= bits - 1) {
      long table = Long.numberOfTrailingZeros(bits);
      x.freeTable(table);
      if (x.tracing()) {
        x.note("freed PTE page #" + table);
      }
    }
  }

  /** munmap of whole page tables: unmap_region = zap + free_pgtables + tlb_finish_mmu. */
  static Routine freeTables(String flush) {
    Routine.Builder r = Routine.builder("free_tables").fn("unmap_region");
    Local mm = r.param("mm");
    Local start = r.param("start");
    Local end = r.param("end");
    Local page = r.local("page");
    Local tlbStart = r.local("tlb_start");
    Local tlbEnd = r.local("tlb_end");
    Local region = r.local("region");
    Local unlinked = r.local("unlinked");
    Local freed = r.local("freed_tables");
    zap(r, mm, start, end, page, tlbStart, tlbEnd, "FP1");
    unlinkTables(r, mm, start, end, region, unlinked, tlbStart, tlbEnd, freed, "FP4");
    r.fn("tlb_flush_mmu_tlbonly");
    r.returnIf("FP4", "if tlb.end == 0 return (nothing unmapped or freed)", x -> x.get(tlbEnd) == 0);
    r.fn("tlb_flush");
    r.call("FP5", "flush_tlb_mm_range(mm, tlb.start, tlb.end, PAGE_SHIFT, tlb.freed_tables)", flush,
        x -> new long[] {x.get(mm), x.get(tlbStart), x.get(tlbEnd), Vars.PAGE_SHIFT, x.get(freed)});
    r.fn("tlb_flush_mmu_free");
    r.step("FP6", P, "free the unlinked PTE pages (after the flush)",
        x -> freeUnlinked(x, x.get(unlinked)));
    return r.build();
  }

  /**
   * The last task of the mm exits: exit_mm makes the CPU lazy on the mm (enter_lazy_tlb) and
   * mmput runs exit_mmap: zap everything, free every page table, and one fullmm flush with
   * freed_tables, then the tables are freed.
   */
  static Routine exit(String enterLazy, String flush) {
    Routine.Builder r = Routine.builder("exit_mm");
    Local mm = r.param("mm");
    Local start = r.local("start");
    Local end = r.local("end");
    Local page = r.local("page");
    Local tlbStart = r.local("tlb_start");
    Local tlbEnd = r.local("tlb_end");
    Local region = r.local("region");
    Local unlinked = r.local("unlinked");
    Local freed = r.local("freed_tables");
    r.step("EX1", P, "current->mm := NULL (active_mm stays mm)", x -> {
      x.setReg(Vars.CUR_MM, Vars.NULL_MM);
      x.setReg(KTHREAD, 1);
      x.set(start, 0);
      x.set(end, Layout.TASK_SIZE);
    });
    r.call("EX2", "enter_lazy_tlb(mm, current)", enterLazy, x -> new long[] {x.get(mm)});
    r.fn("exit_mmap");
    zap(r, mm, start, end, page, tlbStart, tlbEnd, "FP1");
    unlinkTables(r, mm, start, end, region, unlinked, tlbStart, tlbEnd, freed, "EX3");
    r.fn("tlb_flush");
    r.call("EX3", "fullmm: flush_tlb_mm_range(mm, 0, TLB_FLUSH_ALL, PAGE_SHIFT, freed_tables = 1)", flush,
        x -> new long[] {x.get(mm), 0, Vars.TLB_FLUSH_ALL, Vars.PAGE_SHIFT, 1});
    r.fn("tlb_flush_mmu_free");
    r.step("EX4", P, "free every page table of the mm", x -> {
      freeUnlinked(x, x.get(unlinked));
      x.hw().setGlobal(x.vars().exited((int) x.get(mm)), 1);
    });
    return r.build();
  }

  /**
   * Reclaim of one page: try_to_unmap_one clears the PTE and, instead of flushing, adds the mm
   * to the batch (arch_tlbbatch_add_mm: bump tlb_gen, OR mm_cpumask into the batch mask); then
   * try_to_unmap_flush runs the era's batched flush (mm = NULL, generation 0).
   */
  static Routine reclaim(String batchFlush) {
    Routine.Builder r = Routine.builder("reclaim").fn("try_to_unmap_one");
    Local mm = r.param("mm");
    Local va = r.param("va");
    r.param("end"); // the entry's other arguments land here, not in the batch mask below
    r.param("extra");
    Local batch = r.local("batch_cpumask", Holds.CPUMASK);
    Local gen = r.local("gen");
    r.step("RC1", RMW, "pteval := ptep_get_and_clear(mm, address, pte)", x -> {
      int p = x.layout().page(x.get(va));
      x.xchgPte((int) x.get(mm), p, 0);
      x.pteChanged((int) x.get(mm), p);
    });
    r.fn("arch_tlbbatch_add_mm");
    r.step("RC2", RMW, "inc_mm_tlb_gen(mm)", x -> x.set(gen, x.rmwAdd(x.vars().tlbGen((int) x.get(mm)), 1)));
    r.step("RC3", R, "cpumask_or(&batch->cpumask, &batch->cpumask, mm_cpumask(mm))",
        x -> x.set(batch, x.get(batch) | x.load(x.vars().cpumask((int) x.get(mm)))));
    r.fn("try_to_unmap_flush");
    r.call("RC4", "arch_tlbbatch_flush(&tlb_ubc->arch)", batchFlush, x -> new long[] {x.get(batch)});
    r.step("RC5", P, "the batch is flushed: the page can be freed",
        x -> x.flushReturned((int) x.get(mm), x.get(gen)));
    return r.build();
  }

  /**
   * khugepaged collapsing a file/shmem range (retract_page_tables → pmdp_collapse_flush):
   * the PMD is cleared, flush_tlb_range (freed_tables = false before 6.15) flushes the 2 MiB,
   * and the old PTE page is freed at once. The pages' old translations are stale from then on.
   */
  static Routine collapse(String flush) {
    Routine.Builder r = Routine.builder("collapse").fn("retract_page_tables");
    Local mm = r.param("mm");
    Local va = r.param("va");
    Local region = r.local("region");
    Local pmd = r.local("pmd");
    r.step("CO1", P, "haddr := va & HPAGE_PMD_MASK; the small pages are copied into a huge page", x -> {
      Layout l = x.layout();
      x.set(region, l.regionOf(l.page(x.get(va))));
    });
    r.fn("pmdp_collapse_flush");
    r.step("CO2", RMW, "pmd := pmdp_huge_get_and_clear(mm, haddr, pmdp)", x -> {
      Layout l = x.layout();
      int g = (int) x.get(region);
      x.set(pmd, x.loadPmd((int) x.get(mm), g));
      x.storePmd((int) x.get(mm), g, 0);
      x.fence();
      for (int p = 0; p < l.pages(); p++) {
        if (l.regionOf(p) == g && x.xchgPte((int) x.get(mm), p, 0) != 0) {
          x.pteChanged((int) x.get(mm), p); // the old small-page translations are now stale
        }
      }
    });
    r.call("CO3", "flush_tlb_range(vma, haddr, haddr + HPAGE_PMD_SIZE): freed_tables = false", flush, x -> {
      long base = x.layout().regionAddress((int) x.get(region));
      return new long[] {x.get(mm), base, base + Layout.PMD_SIZE, Vars.PAGE_SHIFT, 0};
    });
    r.fn("retract_page_tables");
    r.step("CO4", P, "pte_free(mm, pmd_pgtable(pmd)): the old PTE page is freed", x -> {
      if (x.get(pmd) != 0) {
        x.freeTable(x.get(pmd));
        if (x.tracing()) {
          x.note("freed PTE page #" + x.get(pmd));
        }
      }
    });
    return r.build();
  }

  /** flush_tlb_range(vma, start, end) as a bare call (no PTE change). */
  static Routine flushRange(String flush) {
    Routine.Builder r = Routine.builder("flush_tlb_range");
    Local mm = r.param("mm");
    Local start = r.param("start");
    Local end = r.param("end");
    r.call("FR1", "flush_tlb_mm_range(mm, start, end, PAGE_SHIFT, false)", flush,
        x -> new long[] {x.get(mm), x.get(start), x.get(end), Vars.PAGE_SHIFT, 0});
    return r.build();
  }

  /** flush_tlb_mm(mm): the whole mm, freed_tables = true (since 4.20). */
  static Routine flushMm(String flush) {
    Routine.Builder r = Routine.builder("flush_tlb_mm");
    Local mm = r.param("mm");
    r.call("FM1", "flush_tlb_mm_range(mm, 0, TLB_FLUSH_ALL, 0, true)", flush,
        x -> new long[] {x.get(mm), 0, Vars.TLB_FLUSH_ALL, 0, 1});
    return r.build();
  }

  static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }
}
