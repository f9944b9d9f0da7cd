package org.tlbscript.kernels;

import static org.tlbscript.kernels.Access.P;
import static org.tlbscript.kernels.Access.R;

/**
 * Linux 6.0 (era V4, 6.0 to 6.13) as a patch of {@link Linux513}: Nadav Amit's
 * aa44284960d5 ("Avoid reading mm_tlb_gen when possible") makes flush_tlb_func return early
 * when {@code f->new_tlb_gen <= local_tlb_gen} and read {@code mm_tlb_gen} only after that.
 * {@code v6.0-gen0-bug} is that commit alone (tip x86/mm, June–July 2022): reclaim's batched
 * flush carries {@code new_tlb_gen = 0}, so it always "is already done" and flushes nothing
 * (Hugh Dickins' report). {@code v6.0} adds the fix 8f1d56f64f8d: generation 0 is
 * {@code TLB_GENERATION_INVALID} and never returns early.
 */
public final class Linux60 {
  private Linux60() {}

  public static KernelModel gen0Bug(KernelModel v513) {
    return gen0BugPatch(v513).build();
  }

  public static KernelModel model(KernelModel gen0Bug) {
    return fix(gen0Bug.derive("v6.0")).build();
  }

  /** aa44284960d5 on a 5.13-style flush_tlb_func. */
  static KernelModel.Builder gen0BugPatch(KernelModel v513) {
    Routine func = v513.routine(Linux513.FUNC);
    Local f = func.local("info");
    Local lm = func.local("loaded_mm");
    Local asid = func.local("loaded_mm_asid");
    Local mmGen = func.local("mm_tlb_gen");
    Local localGen = func.local("local_tlb_gen");
    Local local = func.local("local");
    return v513.derive("v6.0-gen0-bug")
        .about("tip x86/mm 7 Jun – 19 Jul 2022 (aa44284960d5 without its fix; never released)",
            "aa44284960d5 (avoid reading mm_tlb_gen when possible)",
            "flush_tlb_func returns early when f->new_tlb_gen <= local_tlb_gen, also for the batched "
                + "flush's generation 0: reclaim's flush does nothing (S12)")
        .replace(Linux513.FUNC, "H1", s -> Step.of("H1", Linux513.FUNC, P,
            "loaded_mm, loaded_mm_asid := this_cpu_read(...); local_tlb_gen := ctxs[asid].tlb_gen; "
                + "local := smp_processor_id() == f->initiating_cpu (mm_tlb_gen is read late)", x -> {
                  x.set(lm, x.own(x.vars().loadedMm(x.cpu())));
                  x.set(asid, x.reg(Vars.LOADED_MM_ASID));
                  x.set(localGen, x.reg(Vars.ctxGen((int) x.get(asid))));
                  x.set(local, x.regOf((int) x.get(f), Vars.INFO_INITIATOR) == x.cpu() ? 1 : 0);
                }))
        .insertBefore(Linux513.FUNC, "H4",
            Step.returnIf("H4a", Linux513.FUNC,
                "if f->new_tlb_gen <= local_tlb_gen return (the TLB is already up to date)", x -> {
                  long fGen = x.regOf((int) x.get(f), Vars.INFO_NEW_GEN);
                  if (x.tracing()) {
                    x.note("f.new_tlb_gen=" + fGen + " local=" + x.get(localGen));
                  }
                  return fGen <= x.get(localGen);
                }),
            Step.of("H4b", Linux513.FUNC, R, "mm_tlb_gen := atomic64_read(&loaded_mm->context.tlb_gen) "
                + "(deferred to avoid cache contention)",
                x -> x.set(mmGen, x.load(x.vars().tlbGen((int) x.get(lm))))))
        .replace(Linux513.FUNC, "H3", s -> Linux513.retarget(s,
            "if !this_cpu_read(cpu_tlbstate_shared.is_lazy) goto H4a", "H4a"));
  }

  /** 8f1d56f64f8d: TLB_GENERATION_INVALID (0) never returns early. */
  static KernelModel.Builder fix(KernelModel.Builder m) {
    KernelModel base = m.build();
    Local f = base.routine(Linux513.FUNC).local("info");
    Local localGen = base.routine(Linux513.FUNC).local("local_tlb_gen");
    return m.about("6.0 – 6.13 (era V4)",
            "aa44284960d5 + 8f1d56f64f8d (TLB_GENERATION_INVALID); 4a18419f71cd (mprotect uses mmu_gather)",
            "as 5.13, and flush_tlb_func returns early when f->new_tlb_gen <= local_tlb_gen unless "
                + "it is TLB_GENERATION_INVALID (0, the batched flush); mprotect flushes only the pages "
                + "it made read-only")
        .routine(MmCode.mprotectGather(Linux420.FLUSH))
        .replace(Linux513.FUNC, "H4a", s -> s.withCond(
            "if f->new_tlb_gen != TLB_GENERATION_INVALID && f->new_tlb_gen <= local_tlb_gen return",
            x -> {
              long fGen = x.regOf((int) x.get(f), Vars.INFO_NEW_GEN);
              if (x.tracing()) {
                x.note("f.new_tlb_gen=" + fGen + (fGen == 0 ? " (TLB_GENERATION_INVALID)" : "")
                    + " local=" + x.get(localGen));
              }
              return fGen != 0 && fGen <= x.get(localGen);
            }));
  }
}
