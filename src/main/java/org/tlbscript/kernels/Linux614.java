package org.tlbscript.kernels;

import static org.tlbscript.kernels.Access.F;
import static org.tlbscript.kernels.Access.R;
import static org.tlbscript.kernels.Access.RMW;
import static org.tlbscript.kernels.Access.W;

import org.tlbscript.hw.Layout;

/**
 * Era V5 (6.14 →) and the 2025 stable trees, as patches of {@link Linux60}.
 *
 * <ul>
 *   <li>{@code v6.14}: 6.14.0. mm_cpumask is updated lazily (209954cbc7d0: switch_mm no longer
 *       clears prev's bit and sets next's only if it is clear, so no locked op when it is set);
 *       flush_tlb_func clears a CPU that no longer runs f->mm from its mask, on local calls too
 *       (953753db887f); target selection is should_flush_tlb, and non-running
 *       members are IPI'd at most once a second (6db2526c1d69, trim_cpumask).
 *       LOADED_MM_SWITCHING is still stored after the tlb_gen read and is not tested.</li>
 *   <li>{@code stable-6.6-misordered}: 6.6.y after the May 2025 backport of fea4e317 (also
 *       6.1.y, 6.12.y): eager cpumask (no 209954cbc7d0), should_flush_tlb with trim
 *       (6db2526c1d69 was backported alone) and with the SWITCHING test, but SWITCHING still
 *       stored after the tlb_gen read (S8); flush_tlb_range passes freed_tables (3ef938c35035,
 *       6.6.y April 2025).</li>
 *   <li>{@code v6.17.4}: 6.15–6.17.4. SWITCHING stored first (be88a1dd6112), tested as "send"
 *       (fea4e317, loaded_mm read before is_lazy), flush_tlb_range passes freed_tables
 *       (3ef938c35035); no barrier when the cpumask bit is already set (CVE-2025-40174).</li>
 *   <li>{@code v6.18}: 83b0177a6c48's {@code else smp_mb()}.</li>
 * </ul>
 * Not modelled: INVLPGB broadcast flushes and global ASIDs (AMD, 6.15+): with them off, as
 * here, the kernel takes the IPI paths modelled.
 */
public final class Linux614 {
  private Linux614() {}

  /** HZ for the `tick` statement: one second is 1000 jiffies. */
  public static final long HZ = 1000;

  public static KernelModel v614(KernelModel v60) {
    return lazyMask(v60.derive("v6.14")).build();
  }

  public static KernelModel stable66(KernelModel v60) {
    KernelModel.Builder m = v60.derive("stable-6.6-misordered")
        .about("6.1.y/6.6.y/6.12.y stable after the May 2025 backport of fea4e317, before Dolan's fix",
            "6db2526c1d69 + fea4e317 backported onto V4 (no 209954cbc7d0), 3ef938c35035",
            "eager mm_cpumask; should_flush_tlb with trim and the LOADED_MM_SWITCHING test, but "
                + "SWITCHING still stored after the tlb_gen read (S8); flush_tlb_range frees tables; "
                + "no INVLPGB");
    KernelModel base = m.build();
    m.replace(Linux513.MULTI, "F8b", s -> readIsLazy());
    m.replace(Linux513.MULTI, "F8c", s -> skipIfLazy());
    m.insertBefore(Linux513.MULTI, "F8b", readLoadedMmFirst());
    m.insertAfter(Linux513.MULTI, "F8c", sendIfNoMm(), sendIfSwitching(), sendIfLoaded(), skipUnlessTrim());
    trim(m, base);
    return flushRangeFreesTables(m).build();
  }

  public static KernelModel v6174(KernelModel v614) {
    KernelModel.Builder m = v614.derive("v6.17.4")
        .about("6.15 – 6.17.4 (era V5)",
            "be88a1dd6112 (SWITCHING first), fea4e317 (SWITCHING means send), 3ef938c35035",
            "lazy mm_cpumask, trim once a second, LOADED_MM_SWITCHING stored first and tested; "
                + "flush_tlb_range frees tables; no smp_mb when the cpumask bit is already set "
                + "(CVE-2025-40174); no INVLPGB");
    m.drop(Linux420.SWITCH_MM, "SW3f")
        .insertBefore(Linux420.SWITCH_MM, "SW3c", Step.of("SW3f", Linux420.SWITCH_MM, W,
            "this_cpu_write(loaded_mm, LOADED_MM_SWITCHING) (before the cpumask and tlb_gen)",
            x -> x.store(x.vars().loadedMm(x.cpu()), Vars.SWITCHING)))
        .replace(Linux420.SWITCH_MM, "SW2", s -> Linux513.retarget(s, "if real_prev != next goto SW3f", "SW3f"))
        .drop(Linux513.MULTI, "SF2")
        .insertBefore(Linux513.MULTI, "F8b", readLoadedMmFirst())
        .insertAfter(Linux513.MULTI, "SF1", sendIfSwitching());
    return flushRangeFreesTables(m).build();
  }

  public static KernelModel v618(KernelModel v6174) {
    return v6174.derive("v6.18")
        .about("6.17.5 / 6.18 → (era V5)",
            "83b0177a6c48 (smp_mb when the cpumask bit is already set)",
            "as 6.17.4 with else smp_mb() in switch_mm_irqs_off: the SWITCHING store is ordered "
                + "before the tlb_gen read; no INVLPGB")
        .insertAfter(Linux420.SWITCH_MM, "SW3c2", Step.of("SW3cm", Linux420.SWITCH_MM, F,
            "else smp_mb(): pairs with inc_mm_tlb_gen; switch_mm sees the new tlb_gen or the flusher "
                + "sees LOADED_MM_SWITCHING", Exec::fence))
        .replace(Linux420.SWITCH_MM, "SW3c1", s -> Linux513.retarget(s,
            "if next == &init_mm || cpu ∈ mm_cpumask(next) goto SW3cm", "SW3cm"))
        .replace(Linux420.SWITCH_MM, "SW3c2", s -> Linux513.retarget(s,
            "cpumask_set_cpu(cpu, mm_cpumask(next)) (its locked op is the barrier); goto SW3d", "SW3d"))
        .build();
  }

  /** 209954cbc7d0, Rik's local-CPU clear, 6db2526c1d69, as in 6.14.0. */
  static KernelModel.Builder lazyMask(KernelModel.Builder m) {
    KernelModel base = m.build();
    Routine sw = base.routine(Linux420.SWITCH_MM).withLocals("skip_set");
    Local next = sw.local("next");
    Local skip = sw.local("skip_set");
    Routine func = base.routine(Linux513.FUNC);
    Local f = func.local("info");
    Local lm = func.local("loaded_mm");
    m.about("6.14.0 – 6.14.y before the fea4e317 backport (era V5)",
            "209954cbc7d0 (lazy mm_cpumask), 953753db887f (local CPU leaves a stale mask too), "
                + "6db2526c1d69 (trim once a second)",
            "mm_cpumask kept lazily, trimmed by flush IPIs at most once a second; should_flush_tlb "
                + "without the LOADED_MM_SWITCHING test, SWITCHING stored after the tlb_gen read "
                + "(CVE-2025-37964 window); no INVLPGB")
        .routine(sw)
        .replace(Linux420.SWITCH_MM, "SW2", s -> Linux513.retarget(s, "if real_prev != next goto SW3c", "SW3c"))
        .drop(Linux420.SWITCH_MM, "SW3b")
        .replace(Linux420.SWITCH_MM, "SW3c", s -> Step.of("SW3c", Linux420.SWITCH_MM, R,
            "leave this CPU in prev's mm_cpumask; skip_set := next == &init_mm || "
                + "cpumask_test_cpu(cpu, mm_cpumask(next))", x -> {
                  long n = x.get(next);
                  x.set(skip, n == Vars.INIT_MM
                      || x.ownBit(x.vars().cpumask((int) n)) != 0 ? 1 : 0);
                }))
        .insertAfter(Linux420.SWITCH_MM, "SW3c",
            Step.jumpIf("SW3c1", Linux420.SWITCH_MM, "if next == &init_mm || cpu ∈ mm_cpumask(next) goto SW3d "
                + "(no locked op)", x -> x.get(skip) != 0, "SW3d"),
            Step.of("SW3c2", Linux420.SWITCH_MM, RMW, "cpumask_set_cpu(cpu, mm_cpumask(next))",
                x -> x.rmwBits(x.vars().cpumask((int) x.get(next)), 1L << x.cpu(), true)))
        // flush_tlb_func: a CPU that does not run f->mm leaves its mask, local or remote
        .replace(Linux513.FUNC, "HR1", s -> Step.jumpIf("HR1", Linux513.FUNC,
            "unless f->mm && f->mm != loaded_mm goto H2", x -> {
              long fmm = x.regOf((int) x.get(f), Vars.INFO_MM);
              return fmm == Vars.NULL_MM || fmm == x.get(lm);
            }, "H2"))
        .insertAfter(Linux513.FUNC, "HR1",
            Step.of("HR2", Linux513.FUNC, RMW, "the CPU was left in mm_cpumask(f->mm): "
                + "cpumask_clear_cpu(cpu, mm_cpumask(f->mm))",
                x -> x.rmwBits(x.vars().cpumask((int) x.regOf((int) x.get(f), Vars.INFO_MM)), 1L << x.cpu(), false)),
            Step.returnIf("HR3", Linux513.FUNC, "trace_tlb_flush(TLB_REMOTE_WRONG_CPU); return", null))
        // should_flush_tlb as in 6.14.0
        .replace(Linux513.MULTI, "F8b", s -> readIsLazy())
        .replace(Linux513.MULTI, "F8c", s -> skipIfLazy())
        .insertAfter(Linux513.MULTI, "F8c", sendIfNoMm(),
            Step.of("SF2", "should_flush_tlb", R, "loaded_mm := per_cpu(cpu_tlbstate.loaded_mm, i)",
                x -> x.set(LOADED, x.load(x.vars().loadedMm((int) x.get(I))))),
            sendIfLoaded(), skipUnlessTrim());
    return trim(m, base);
  }

  // ---- should_flush_tlb(i, info), inlined in native_flush_tlb_multi's loop ----
  // native_flush_tlb_multi's frame: info 0, cpumask 1, i 2, targets 3, value 4, loaded_mm 5
  private static final Local INFO = new Local("info", 0);
  private static final Local I = new Local("i", 2);
  private static final Local VALUE = new Local("value", 4);
  private static final Local LOADED = new Local("loaded_mm", 5);

  static Step readLoadedMmFirst() {
    return Step.of("SF0", "should_flush_tlb", R, "loaded_mm := per_cpu(cpu_tlbstate.loaded_mm, i); smp_rmb() "
        + "(so that is_lazy is at least as new; a compiler barrier on x86)",
        x -> x.set(LOADED, x.load(x.vars().loadedMm((int) x.get(I)))));
  }

  static Step readIsLazy() {
    return Step.of("F8b", "should_flush_tlb", R, "value := per_cpu(cpu_tlbstate_shared.is_lazy, i)",
        x -> x.set(VALUE, x.load(x.vars().isLazy((int) x.get(I)))));
  }

  static Step skipIfLazy() {
    return Step.jumpIf("F8c", "should_flush_tlb", "if is_lazy return false (flushed at the next context switch)",
        x -> x.get(VALUE) != 0, "F8e");
  }

  static Step sendIfNoMm() {
    return Step.jumpIf("SF1", "should_flush_tlb", "if !info->mm (kernel or batched flush) return true",
        x -> x.regOf((int) x.get(INFO), Vars.INFO_MM) == Vars.NULL_MM, "F8d");
  }

  static Step sendIfSwitching() {
    return Step.jumpIf("SF1a", "should_flush_tlb", "if loaded_mm == LOADED_MM_SWITCHING return true "
        + "(state of prev or next: assume the worst)", x -> x.get(LOADED) == Vars.SWITCHING, "F8d");
  }

  static Step sendIfLoaded() {
    return Step.jumpIf("SF3", "should_flush_tlb", "if loaded_mm == info->mm return true",
        x -> x.get(LOADED) == x.regOf((int) x.get(INFO), Vars.INFO_MM), "F8d");
  }

  static Step skipUnlessTrim() {
    return Step.jumpIf("SF4", "should_flush_tlb", "if !info->trim_cpumask return false (else true: "
        + "in the mask but not running mm, periodically remove by flushing)",
        x -> x.regOf((int) x.get(INFO), Vars.INFO_TRIM) == 0, "F8e");
  }

  /**
   * flush_tlb_mm_range's multi branch: info->trim_cpumask := should_trim_cpumask(mm), and
   * init_new_context's next_trim_cpumask := jiffies + HZ (6db2526c1d69).
   */
  static KernelModel.Builder trim(KernelModel.Builder m, KernelModel base) {
    Local mm = base.routine(Linux420.FLUSH).local("mm");
    m.insertAfter("init_new_context", "IC1", Step.of("IC2", "init_new_context", W,
        "mm->context.next_trim_cpumask := jiffies + HZ",
        x -> x.store(x.vars().nextTrim((int) x.get(new Local("mm", 0))), x.jiffies() + HZ)));
    return m.insertBefore(Linux420.FLUSH, "F6b",
        Step.of("FT1", "should_trim_cpumask", R, "info->trim_cpumask := time_after(jiffies, "
            + "READ_ONCE(mm->context.next_trim_cpumask))", x -> {
              long due = x.load(x.vars().nextTrim((int) x.get(mm)));
              x.setReg(Vars.INFO_TRIM, x.jiffies() > due ? 1 : 0);
              if (x.tracing()) {
                x.note("jiffies " + x.jiffies() + (x.jiffies() > due ? " > " : " <= ") + due
                    + (x.jiffies() > due ? ": trim" : ": no trim"));
              }
            }),
        Step.jumpIf("FT2", "should_trim_cpumask", "if !info->trim_cpumask goto F6b",
            x -> x.reg(Vars.INFO_TRIM) == 0, "F6b"),
        Step.of("FT3", "should_trim_cpumask", W, "WRITE_ONCE(mm->context.next_trim_cpumask, jiffies + HZ)",
            x -> x.store(x.vars().nextTrim((int) x.get(mm)), x.jiffies() + HZ)));
  }

  /** 3ef938c35035: flush_tlb_range passes freed_tables = true (collapse frees a PTE page). */
  static KernelModel.Builder flushRangeFreesTables(KernelModel.Builder m) {
    KernelModel base = m.build();
    Local region = base.routine("collapse").local("region");
    Local mm = base.routine("collapse").local("mm");
    Local fmm = base.routine("flush_tlb_range").local("mm");
    Local start = base.routine("flush_tlb_range").local("start");
    Local end = base.routine("flush_tlb_range").local("end");
    return m.replace("collapse", "CO3", s -> Step.call("CO3", s.function(),
            "flush_tlb_range(vma, haddr, haddr + HPAGE_PMD_SIZE): freed_tables = true (3ef938c35035)",
            s.callee(), x -> {
              long base2 = x.layout().regionAddress((int) x.get(region));
              return new long[] {x.get(mm), base2, base2 + Layout.PMD_SIZE, Vars.PAGE_SHIFT, 1};
            }))
        .replace("flush_tlb_range", "FR1", s -> Step.call("FR1", s.function(),
            "flush_tlb_mm_range(mm, start, end, PAGE_SHIFT, true) (3ef938c35035)", s.callee(),
            x -> new long[] {x.get(fmm), x.get(start), x.get(end), Vars.PAGE_SHIFT, 1}));
  }
}
