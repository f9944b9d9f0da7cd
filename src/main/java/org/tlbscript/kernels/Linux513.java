package org.tlbscript.kernels;

import org.tlbscript.kernels.Routine.Holds;
import static org.tlbscript.kernels.Access.CR3;
import static org.tlbscript.kernels.Access.HW;
import static org.tlbscript.kernels.Access.IPI;
import static org.tlbscript.kernels.Access.P;
import static org.tlbscript.kernels.Access.R;

import java.util.ArrayList;
import java.util.List;

/**
 * arch/x86/mm/tlb.c of Linux 5.13 (era V4 of kernel-tlb.md, 5.13 to 5.19), as a patch of
 * {@link Linux420}: Nadav Amit's 2021 series. One handler {@code flush_tlb_func(info)} serves
 * local and remote calls ({@code local := cpu == f->initiating_cpu}; the {@code f->mm !=
 * loaded_mm} return is remote-only); {@code flush_tlb_multi} runs the handler on the initiator
 * and on the remote CPUs concurrently (the initiator sends the IPIs, runs its own call, then
 * waits); {@code is_lazy} lives in {@code cpu_tlbstate_shared} and switch_mm writes it only if
 * it was set; use_mm/unuse_mm are kthread_use_mm/kthread_unuse_mm (5.8).
 * What was checked against which source is in docs/kernel-history-notes-new.md.
 */
public final class Linux513 {
  private Linux513() {}

  public static final String FUNC = "flush_tlb_func";
  public static final String MULTI = "native_flush_tlb_multi";

  public static KernelModel model() {
    return model(Linux420.model());
  }

  /** 5.13 as a patch of {@code v420} (its steps are shared with it). */
  public static KernelModel model(KernelModel v420) {
    return patch(v420.derive("v5.13")).build();
  }

  static KernelModel.Builder patch(KernelModel.Builder m) {
    KernelModel base = m.build();
    Local wasLazy = base.routine(Linux420.SWITCH_MM).local("was_lazy");
    Local mask = base.routine(Linux420.FLUSH).local("mask");
    Local mm = base.routine(Linux420.FLUSH).local("mm");
    Local batch = base.routine(Linux420.BATCH_FLUSH).local("batch_cpumask");
    return m.about("5.13 – 5.19 (era V4)",
            "4ce94eabac16 (flush remote and local TLBs concurrently), \"Privatize cpu_tlbstate\", "
                + "\"Do not make is_lazy dirty for no reason\" (Nadav Amit, 2021)",
            "one flush_tlb_func for local and remote calls, run concurrently by flush_tlb_multi; "
                + "is_lazy written only if set; otherwise as 4.20")
        .replace(Linux420.SWITCH_MM, "SW1", s -> s.with(
            "if (was_lazy) this_cpu_write(cpu_tlbstate_shared.is_lazy, false)", x -> {
              if (x.get(wasLazy) != 0) {
                x.store(x.vars().isLazy(x.cpu()), 0);
              }
            }))
        // flush_tlb_mm_range: other CPUs first (flush_tlb_multi, which includes this one), else local only
        .drop(Linux420.FLUSH, "F5")
        .drop(Linux420.FLUSH, "F5a")
        .replace(Linux420.FLUSH, "F6a", s -> Step.jumpIf("F6a", Linux420.FLUSH,
            "if cpumask_any_but(mm_cpumask(mm), cpu) >= nr_cpu_ids goto F5",
            x -> (x.get(mask) & ~(1L << x.cpu())) == 0, "F5"))
        .replace(Linux420.FLUSH, "F6b", s -> Step.call("F6b", Linux420.FLUSH,
            "flush_tlb_multi(mm_cpumask(mm), info)", MULTI,
            x -> new long[] {x.cpu(), x.get(mask)}))
        .insertAfter(Linux420.FLUSH, "F6b",
            Step.jumpIf("F6c", Linux420.FLUSH, "goto F10", x -> true, "F10"))
        .insertBefore(Linux420.FLUSH, "F10",
            Step.jumpIf("F5", Linux420.FLUSH, "else if mm != loaded_mm goto F10",
                x -> x.get(mm) != x.own(x.vars().loadedMm(x.cpu())), "F10"),
            Step.call("F5a", Linux420.FLUSH, "local_irq_disable(); flush_tlb_func(info); local_irq_enable()",
                FUNC, x -> new long[] {x.cpu()}))
        // arch_tlbbatch_flush: the same order
        .drop(Linux420.BATCH_FLUSH, "BF2")
        .drop(Linux420.BATCH_FLUSH, "BF2a")
        .replace(Linux420.BATCH_FLUSH, "BF3", s -> Step.jumpIf("BF3", Linux420.BATCH_FLUSH,
            "if cpumask_any_but(&batch->cpumask, cpu) >= nr_cpu_ids goto BF2",
            x -> (x.get(batch) & ~(1L << x.cpu())) == 0, "BF2"))
        .replace(Linux420.BATCH_FLUSH, "BF4", s -> Step.call("BF4", Linux420.BATCH_FLUSH,
            "flush_tlb_multi(&batch->cpumask, info)", MULTI,
            x -> new long[] {x.cpu(), x.get(batch)}))
        .insertAfter(Linux420.BATCH_FLUSH, "BF4",
            Step.returnIf("BF4a", Linux420.BATCH_FLUSH, "return", null),
            Step.returnIf("BF2", Linux420.BATCH_FLUSH, "else if cpu ∉ batch->cpumask return",
                x -> (x.get(batch) >> x.cpu() & 1) == 0),
            Step.call("BF2a", Linux420.BATCH_FLUSH, "local_irq_disable(); flush_tlb_func(info); local_irq_enable()",
                FUNC, x -> new long[] {x.cpu()}))
        .removeRoutine(Linux420.OTHERS)
        .removeRoutine("flush_tlb_func_local")
        .removeRoutine("flush_tlb_func_remote")
        .removeRoutine("flush_tlb_func_common")
        .routine(nativeFlushTlbMulti())
        .routine(flushTlbFunc())
        // kthread_use_mm / kthread_unuse_mm (5.8): same steps, new names
        .removeRoutine("use_mm")
        .removeRoutine("unuse_mm")
        .routine(MmCode.useMm("kthread_use_mm", Linux420.SWITCH_MM))
        .routine(MmCode.unuseMm("kthread_unuse_mm", Linux420.ENTER_LAZY))
        .entry(Entry.USE_MM, "kthread_use_mm")
        .entry(Entry.UNUSE_MM, "kthread_unuse_mm");
  }

  /**
   * native_flush_tlb_multi(cpumask, info) with smp_call_function_many_cond inlined: with
   * freed_tables every CPU of the mask (on_each_cpu_mask), else those passing the condition
   * (on_each_cpu_cond_mask(tlb_is_not_lazy)); IPIs to the others, then this CPU's own call,
   * then the wait. The kernel evaluates this CPU's condition after sending the IPIs; here it is
   * evaluated in mask order with the others (only this CPU writes what it reads, so the
   * outcome is the same).
   */
  static Routine nativeFlushTlbMulti() {
    Routine.Builder r = Routine.builder(MULTI);
    Local f = r.param("info", Holds.CPU);
    Local mask = r.param("cpumask", Holds.CPUMASK);
    Local cpu = r.local("i", Holds.CPU);
    Local targets = r.local("targets", Holds.CPUMASK);
    Local value = r.local("value"); // what a condition step read (is_lazy)
    r.local("loaded_mm"); // should_flush_tlb's read of per_cpu(loaded_mm, i) (6.14+)
    Local remote = r.local("run_remote");
    // smp_call_function_many_cond reads the mask it was given twice more: mm_cpumask(mm) is
    // live, so a CPU may join or leave between flush_tlb_mm_range's test and these reads
    r.fn("smp_call_function_many_cond");
    r.step("SC1", R, "run_remote := cpumask_any_and_but(mask, cpu_online_mask, cpu) < nr_cpu_ids "
        + "(mm_cpumask(f->mm) read again; a batched flush's mask is its own)",
        x -> x.set(remote, (Linux420.liveMask(x, f, mask) & ~(1L << x.cpu())) != 0 ? 1 : 0));
    r.jumpIf("SC2", "if run_remote goto SC3", x -> x.get(remote) != 0, "SC3");
    r.stepThen("SC2a", P, "no remote CPU: only this CPU's own call is left (run_local)",
        x -> x.set(mask, x.get(mask) & 1L << x.cpu()), "F7");
    r.step("SC3", R, "cfd->cpumask := cpumask_and(mask, cpu_online_mask): the loop's snapshot (read again)",
        x -> x.set(mask, Linux420.liveMask(x, f, mask)));
    r.fn(MULTI);
    r.jumpIf("F7", "if !info->freed_tables goto F8", x -> x.regOf((int) x.get(f), Vars.INFO_FREED) == 0, "F8");
    r.fn("on_each_cpu_mask");
    r.stepThen("F7a", P, "freed_tables: on_each_cpu_mask(cpumask, flush_tlb_func): targets := cpumask",
        x -> x.set(targets, x.get(mask)), "F9");
    r.fn("on_each_cpu_cond_mask");
    r.step("F8", P, "i := first cpu in cpumask; targets := {}", x -> {
      x.set(cpu, x.cpumaskNext(-1, x.get(mask)));
      x.set(targets, 0);
    });
    r.jumpIf("F8a", "if no cpu left goto F9", x -> x.get(cpu) >= x.cpus(), "F9");
    r.fn("tlb_is_not_lazy");
    r.step("F8b", R, "value := per_cpu(cpu_tlbstate_shared.is_lazy, i)",
        x -> x.set(value, x.load(x.vars().isLazy((int) x.get(cpu)))));
    r.jumpIf("F8c", "if is_lazy: skip i (return false)", x -> x.get(value) != 0, "F8e");
    r.fn("on_each_cpu_cond_mask");
    r.step("F8d", P, "condition true: targets += i", x -> x.set(targets, x.get(targets) | 1L << x.get(cpu)));
    r.stepThen("F8e", P, "i := next cpu in cpumask", x -> {
      x.set(cpu, x.cpumaskNext(x.get(cpu), x.get(mask)));
    }, "F8a");
    r.fn("smp_call_function_many_cond");
    r.step("F9", IPI, "queue the csds and send flush_tlb_func IPIs to targets \\ {cpu}",
        x -> x.sendIpis(x.get(targets) & ~(1L << x.cpu()), FUNC));
    r.jumpIf("F9b", "if cpu ∉ targets (run_local false) goto F9d", x -> (x.get(targets) >> x.cpu() & 1) == 0, "F9d");
    r.call("F9c", "local_irq_save(); flush_tlb_func(info) on this CPU, while the IPIs are handled",
        FUNC, x -> new long[] {x.get(f)});
    r.await("F9d", "csd_lock_wait: until every target ran the handler", Exec::ipisDone);
    return r.build();
  }

  /** flush_tlb_func(info) of 5.13: the local and the remote handler in one. */
  static Routine flushTlbFunc() {
    Routine.Builder r = Routine.builder(FUNC).irqsOff();
    Local f = r.param("info", Holds.CPU);
    Local lm = r.local("loaded_mm");
    Local asid = r.local("loaded_mm_asid");
    Local mmGen = r.local("mm_tlb_gen");
    Local localGen = r.local("local_tlb_gen");
    Local local = r.local("local");
    r.step("H1", R, "loaded_mm, loaded_mm_asid := this_cpu_read(...); mm_tlb_gen := "
        + "atomic64_read(&loaded_mm->context.tlb_gen); local_tlb_gen := ctxs[asid].tlb_gen; "
        + "local := smp_processor_id() == f->initiating_cpu", x -> {
          x.set(lm, x.own(x.vars().loadedMm(x.cpu())));
          x.set(asid, x.reg(Vars.LOADED_MM_ASID));
          x.set(mmGen, x.load(x.vars().tlbGen((int) x.get(lm))));
          x.set(localGen, x.reg(Vars.ctxGen((int) x.get(asid))));
          x.set(local, x.regOf((int) x.get(f), Vars.INFO_INITIATOR) == x.cpu() ? 1 : 0);
        });
    r.returnIf("HR1", "if !local && f->mm && f->mm != loaded_mm return (can only happen on remote CPUs)", x -> {
      long fmm = x.regOf((int) x.get(f), Vars.INFO_MM);
      return x.get(local) == 0 && fmm != Vars.NULL_MM && fmm != x.get(lm);
    });
    Linux420.handlerTail(r, f, lm, asid, mmGen, localGen, new Linux420.Names(
        "this_cpu_read(cpu_tlbstate_shared.is_lazy)", "flush_tlb_one_user", "flush_tlb_local", FUNC));
    return r.build();
  }

  // ---- helpers for patches of the newer models ----

  /** {@code s} with another jump target (a patch moved the step it jumped to). */
  static Step retarget(Step s, String text, String target) {
    return new Step(s.label(), s.function(), s.access(), text, s.type(), s.effect(), s.cond(), target,
        s.callee(), s.args());
  }
}
