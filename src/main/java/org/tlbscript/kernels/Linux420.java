package org.tlbscript.kernels;

import org.tlbscript.kernels.Routine.Holds;
import static org.tlbscript.kernels.Access.CR3;
import static org.tlbscript.kernels.Access.F;
import static org.tlbscript.kernels.Access.HW;
import static org.tlbscript.kernels.Access.IPI;
import static org.tlbscript.kernels.Access.P;
import static org.tlbscript.kernels.Access.R;
import static org.tlbscript.kernels.Access.RMW;
import static org.tlbscript.kernels.Access.W;

import org.tlbscript.hw.Layout;

/**
 * arch/x86/mm/tlb.c of Linux 4.20 (era V3 of kernel-tlb.md, 4.20 to 5.12): always lazy; flush
 * IPIs skip lazy CPUs unless page tables are freed; smp_mb() between the is_lazy store and the
 * tlb_gen load on the lazy→same-mm return. Labels are kernel-tlb.md §2's (SW, F, H) where it
 * has them; EL (enter_lazy_tlb), LM (leave_mm), FL/HR (local/remote wrappers) are ours.
 * What was checked against the 4.20.0 tree is in docs/kernel-4.20-notes.md.
 */
public final class Linux420 {
  private Linux420() {}

  public static final String SWITCH_MM = "switch_mm_irqs_off";
  public static final String ENTER_LAZY = "enter_lazy_tlb";
  public static final String FLUSH = "flush_tlb_mm_range";
  public static final String OTHERS = "native_flush_tlb_others";
  public static final String BATCH_FLUSH = "arch_tlbbatch_flush";

  public static KernelModel model() {
    KernelModel.Builder m = KernelModel.builder("v4.20")
        .about("4.20 – 5.12 (era V3)",
            "145f573b89a6, 016c4d92cd16 (freed_tables), 97807813fe70",
            "always lazy; flush IPIs skip lazy CPUs unless page tables are freed; "
                + "smp_mb() on the lazy return to the same mm")
        .pcidDefault(true)
        .routine(switchMmIrqsOff())
        .routine(enterLazyTlb())
        .routine(leaveMm())
        .routine(flushTlbMmRange())
        .routine(nativeFlushTlbOthers())
        .routine(archTlbbatchFlush())
        .routine(flushTlbFuncLocal())
        .routine(flushTlbFuncRemote())
        .routine(flushTlbFuncCommon());
    return withMmCode(m, "use_mm", "unuse_mm").build();
  }

  /**
   * A teaching variant for S5: flush_tlb_func_common flushes partially whenever the request is a
   * range, without H5's "new_tlb_gen == local + 1" rule, so out-of-order flushes lose one.
   */
  public static KernelModel partialAlways(KernelModel v420) {
    return v420.derive("v4.20-partial-always")
        .about("not a kernel (variant of v4.20)", "-",
            "teaching variant: H5 flushes a range partially even when the CPU is more than one generation behind")
        // it breaks I-gen on purpose: let the stale-use checker, not the self-check, report it
        .selfChecks(SelfCheck.CR3_MATCHES_LOADED_MM, SelfCheck.SLOT_NAMES_LOADED_MM)
        .replace("flush_tlb_func_common", "H5", s -> s.withCond(
            "unless f->end != TLB_FLUSH_ALL goto H5b (no local + 1 test)",
            x -> x.regOf((int) x.get(new Local("info", 0)), Vars.INFO_END) == Vars.TLB_FLUSH_ALL))
        .build();
  }

  /** Adds the scheduler and mm routines and maps every entry point (shared by all eras). */
  static KernelModel.Builder withMmCode(KernelModel.Builder m, String useName, String unuseName) {
    m.routine(MmCode.contextSwitchToUser(SWITCH_MM))
        .routine(MmCode.contextSwitchToKthread(ENTER_LAZY))
        .routine(MmCode.useMm(useName, SWITCH_MM))
        .routine(MmCode.unuseMm(unuseName, ENTER_LAZY))
        .routine(MmCode.userAccess())
        .routine(MmCode.map())
        .routine(MmCode.munmap(FLUSH))
        .routine(MmCode.mprotect(FLUSH))
        .routine(MmCode.remap(FLUSH))
        .routine(MmCode.freeTables(FLUSH))
        .routine(MmCode.flushRange(FLUSH))
        .routine(MmCode.flushMm(FLUSH))
        .routine(MmCode.exit(ENTER_LAZY, FLUSH))
        .routine(MmCode.reclaim(BATCH_FLUSH))
        .routine(MmCode.collapse(FLUSH))
        .routine(MmCode.initNewContext());
    return m.entry(Entry.SWITCH_TO_USER, "context_switch")
        .entry(Entry.SWITCH_TO_KTHREAD, "context_switch_kthread")
        .entry(Entry.USE_MM, useName)
        .entry(Entry.UNUSE_MM, unuseName)
        .entry(Entry.LEAVE, "leave_mm")
        .entry(Entry.USER_ACCESS, "user_access")
        .entry(Entry.MAP, "map")
        .entry(Entry.MUNMAP, "munmap")
        .entry(Entry.MPROTECT, "mprotect")
        .entry(Entry.REMAP, "remap")
        .entry(Entry.FREE_TABLES, "free_tables")
        .entry(Entry.FLUSH_RANGE, "flush_tlb_range")
        .entry(Entry.FLUSH_ALL, "flush_tlb_mm")
        .entry(Entry.EXIT, "exit_mm")
        .entry(Entry.RECLAIM, "reclaim")
        .entry(Entry.COLLAPSE, "collapse")
        .entry(Entry.INIT_NEW_CONTEXT, "init_new_context");
  }

  static Routine switchMmIrqsOff() {
    Routine.Builder r = Routine.builder(SWITCH_MM).irqsOff();
    r.param("prev");
    Local next = r.param("next");
    Local realPrev = r.local("real_prev");
    Local prevAsid = r.local("prev_asid");
    Local wasLazy = r.local("was_lazy");
    Local gen = r.local("next_tlb_gen");
    Local newAsid = r.local("new_asid");
    Local needFlush = r.local("need_flush");
    r.step("SW0", P, "real_prev := loaded_mm; prev_asid := loaded_mm_asid; was_lazy := is_lazy", x -> {
      x.set(realPrev, x.own(x.vars().loadedMm(x.cpu())));
      x.set(prevAsid, x.reg(Vars.LOADED_MM_ASID));
      x.set(wasLazy, x.own(x.vars().isLazy(x.cpu())));
    });
    r.step("SW1", W, "this_cpu_write(is_lazy, false)", x -> x.store(x.vars().isLazy(x.cpu()), 0));
    r.jumpIf("SW2", "if real_prev != next goto SW3b", x -> x.get(realPrev) != x.get(next), "SW3b");
    r.step("SW2a", R, "WARN_ON_ONCE(real_prev != &init_mm && cpu ∉ mm_cpumask(next)): set it", x -> {
      long bit = 1L << x.cpu();
      if (x.get(realPrev) != Vars.INIT_MM && x.ownBit(x.vars().cpumask((int) x.get(next))) == 0) {
        x.note("WARN_ON_ONCE: cpu not in mm_cpumask(next)");
        x.rmwBits(x.vars().cpumask((int) x.get(next)), bit, true);
      }
    });
    r.returnIf("SW2b", "if !was_lazy return (thread switch in the same mm)", x -> x.get(wasLazy) == 0);
    r.step("SW2c", F, "smp_mb() (pairs with inc_mm_tlb_gen in the flusher)", Exec::fence);
    r.step("SW2d", R, "next_tlb_gen := atomic64_read(&next->context.tlb_gen)",
        x -> x.set(gen, x.load(x.vars().tlbGen((int) x.get(next)))));
    r.returnIf("SW2e", "if ctxs[prev_asid].tlb_gen == next_tlb_gen return (nothing missed while lazy)",
        x -> x.reg(Vars.ctxGen((int) x.get(prevAsid))) == x.get(gen));
    r.stepThen("SW2f", P, "new_asid := prev_asid; need_flush := true; goto SW4", x -> {
      x.set(newAsid, x.get(prevAsid));
      x.set(needFlush, 1);
    }, "SW4");
    r.step("SW3b", RMW, "if real_prev != &init_mm: cpumask_clear_cpu(cpu, mm_cpumask(real_prev))", x -> {
      if (x.get(realPrev) != Vars.INIT_MM) {
        x.rmwBits(x.vars().cpumask((int) x.get(realPrev)), 1L << x.cpu(), false);
      }
    });
    r.step("SW3c", RMW, "if next != &init_mm: cpumask_set_cpu(cpu, mm_cpumask(next))", x -> {
      if (x.get(next) != Vars.INIT_MM) {
        x.rmwBits(x.vars().cpumask((int) x.get(next)), 1L << x.cpu(), true);
      }
    });
    r.step("SW3d", R, "next_tlb_gen := atomic64_read(&next->context.tlb_gen)",
        x -> x.set(gen, x.load(x.vars().tlbGen((int) x.get(next)))));
    r.fn("choose_new_asid");
    r.step("SW3e", P, "choose_new_asid(next, next_tlb_gen, &new_asid, &need_flush)",
        x -> chooseNewAsid(x, x.get(next), x.get(gen), newAsid, needFlush));
    r.fn(SWITCH_MM);
    r.step("SW3f", W, "this_cpu_write(loaded_mm, LOADED_MM_SWITCHING)",
        x -> x.store(x.vars().loadedMm(x.cpu()), Vars.SWITCHING));
    r.fn("load_new_mm_cr3");
    r.step("SW4", CR3, "if need_flush: ctxs[new_asid] := {next.ctx_id, next_tlb_gen}, CR3 := pgd | pcid "
        + "(flush); else CR3 := pgd | pcid | NOFLUSH", x -> {
          int asid = (int) x.get(newAsid);
          boolean flush = x.get(needFlush) != 0;
          if (flush) {
            x.setReg(Vars.ctxId(asid), Vars.ctxIdOf(x.get(next)));
            x.setReg(Vars.ctxGen(asid), x.get(gen));
          }
          x.writeCr3((int) x.get(next), asid, !flush);
        });
    r.fn(SWITCH_MM);
    r.step("SW5", W, "this_cpu_write(loaded_mm, next); loaded_mm_asid := new_asid", x -> {
      x.store(x.vars().loadedMm(x.cpu()), x.get(next));
      x.setReg(Vars.LOADED_MM_ASID, x.get(newAsid));
    });
    r.step("SW6", P, "if next != real_prev: load_mm_cr4(next); switch_ldt(real_prev, next)", x -> {
      if (x.tracing()) {
        x.note(x.get(next) != x.get(realPrev) ? "CR4/LDT reloaded" : "same mm: no CR4/LDT reload");
      }
    });
    return r.build();
  }

  /** choose_new_asid: no PCID → ASID 0 with a flush; else the slot holding next, else round robin. */
  static void chooseNewAsid(Exec x, long next, long gen, Local newAsid, Local needFlush) {
    if (!x.pcid()) {
      x.set(newAsid, 0);
      x.set(needFlush, 1);
      x.note("no PCID: asid 0, flush");
      return;
    }
    long ctx = Vars.ctxIdOf(next);
    for (int asid = 0; asid < Layout.ASIDS; asid++) {
      if (x.reg(Vars.ctxId(asid)) == ctx) {
        long slotGen = x.reg(Vars.ctxGen(asid));
        x.set(newAsid, asid);
        x.set(needFlush, slotGen < gen ? 1 : 0);
        if (x.tracing()) {
          x.note("slot " + asid + " holds " + x.mmName(next) + " at gen " + slotGen
              + (slotGen < gen ? " < " + gen + ": flush" : ": up to date"));
        }
        return;
      }
    }
    long asid = x.reg(Vars.NEXT_ASID);
    x.setReg(Vars.NEXT_ASID, asid + 1);
    if (asid >= Layout.ASIDS) {
      asid = 0;
      x.setReg(Vars.NEXT_ASID, 1);
    }
    x.set(newAsid, asid);
    x.set(needFlush, 1);
    if (x.tracing()) {
      long evicted = x.reg(Vars.ctxId((int) asid));
      x.note("no slot: allocate asid " + asid + (evicted != 0 ? " (evicts " + x.mmName(evicted - 1) + ")" : ""));
    }
  }

  static Routine enterLazyTlb() {
    Routine.Builder r = Routine.builder(ENTER_LAZY);
    r.param("mm");
    r.returnIf("EL1", "if loaded_mm == &init_mm return",
        x -> x.own(x.vars().loadedMm(x.cpu())) == Vars.INIT_MM);
    r.step("EL2", W, "this_cpu_write(is_lazy, true)", x -> x.store(x.vars().isLazy(x.cpu()), 1));
    return r.build();
  }

  static Routine leaveMm() {
    Routine.Builder r = Routine.builder("leave_mm");
    r.returnIf("LM1", "if loaded_mm == &init_mm return",
        x -> x.own(x.vars().loadedMm(x.cpu())) == Vars.INIT_MM);
    r.step("LM2", P, "WARN_ON(!is_lazy)", x -> {
      if (x.own(x.vars().isLazy(x.cpu())) == 0) {
        x.note("WARN_ON: leave_mm on a CPU that is not lazy");
      }
    });
    r.call("LM3", "switch_mm(NULL, &init_mm, NULL)", SWITCH_MM,
        x -> new long[] {Vars.NULL_MM, Vars.INIT_MM});
    return r.build();
  }

  static Routine flushTlbMmRange() {
    Routine.Builder r = Routine.builder(FLUSH);
    Local mm = r.param("mm");
    Local start = r.param("start");
    Local end = r.param("end");
    Local stride = r.param("stride_shift");
    Local freed = r.param("freed_tables");
    Local mask = r.local("mask", Holds.CPUMASK);
    r.step("F1", P, "cpu := get_cpu()", x -> { });
    r.fn("inc_mm_tlb_gen");
    r.step("F2", RMW, "info.new_tlb_gen := atomic64_inc_return(&mm->context.tlb_gen) (full barrier)",
        x -> x.setReg(Vars.INFO_NEW_GEN, x.rmwAdd(x.vars().tlbGen((int) x.get(mm)), 1)));
    r.fn(FLUSH);
    r.step("F3", P, "if end != TLB_FLUSH_ALL && (end - start) >> stride_shift <= ceiling: "
        + "info.start/end := start/end; else info := 0..TLB_FLUSH_ALL", x -> {
          long s = x.get(start);
          long e = x.get(end);
          boolean range = e != Vars.TLB_FLUSH_ALL && ((e - s) >>> x.get(stride)) <= x.ceiling();
          x.setReg(Vars.INFO_MM, x.get(mm));
          x.setReg(Vars.INFO_START, range ? s : 0);
          x.setReg(Vars.INFO_END, range ? e : Vars.TLB_FLUSH_ALL);
          x.setReg(Vars.INFO_STRIDE, x.get(stride));
          x.setReg(Vars.INFO_FREED, x.get(freed));
          x.setReg(Vars.INFO_INITIATOR, x.cpu());
          if (x.tracing()) {
            x.note(e == Vars.TLB_FLUSH_ALL ? "full flush requested"
                : ((e - s) >>> x.get(stride)) + " strides " + (range ? "<= " : "> ") + x.ceiling()
                    + ": " + (range ? "range" : "full"));
          }
        });
    r.jumpIf("F5", "if mm != loaded_mm goto F6",
        x -> x.get(mm) != x.own(x.vars().loadedMm(x.cpu())), "F6");
    r.call("F5a", "local_irq_disable(); flush_tlb_func_local(&info); local_irq_enable()",
        "flush_tlb_func_local", x -> new long[] {x.cpu()});
    r.step("F6", R, "mask := mm_cpumask(mm)", x -> x.set(mask, x.load(x.vars().cpumask((int) x.get(mm)))));
    r.jumpIf("F6a", "if cpumask_any_but(mask, cpu) >= nr_cpu_ids goto F10",
        x -> (x.get(mask) & ~(1L << x.cpu())) == 0, "F10");
    r.call("F6b", "flush_tlb_others(mask, &info)", OTHERS, x -> new long[] {x.cpu(), x.get(mask)});
    r.fn(FLUSH);
    r.step("F10", P, "put_cpu(); return", x -> x.flushReturned((int) x.get(mm), x.reg(Vars.INFO_NEW_GEN)));
    return r.build();
  }

  /**
   * The mask a flush was given, read again where the kernel reads it: mm_cpumask(f->mm) is live
   * (a CPU may have joined or left since the caller's read), a batched flush's mask (f->mm NULL)
   * is its own copy, the parameter.
   */
  static long liveMask(Exec x, Local f, Local mask) {
    long mm = x.regOf((int) x.get(f), Vars.INFO_MM);
    return mm == Vars.NULL_MM ? x.get(mask) : x.load(x.vars().cpumask((int) mm));
  }

  /**
   * native_flush_tlb_others(cpumask, info): with freed_tables every CPU of the mask but this one
   * (smp_call_function_many); otherwise on_each_cpu_cond_mask(tlb_is_not_lazy), which skips lazy
   * CPUs and runs the handler on this CPU too when it is in the mask and not lazy. Both read the
   * live mm_cpumask again: smp_call_function_many's cpumask_and, for_each_cpu's cpumask_next.
   */
  static Routine nativeFlushTlbOthers() {
    Routine.Builder r = Routine.builder(OTHERS);
    Local f = r.param("info", Holds.CPU);
    Local mask = r.param("cpumask", Holds.CPUMASK);
    Local cpu = r.local("i", Holds.CPU);
    Local targets = r.local("targets", Holds.CPUMASK);
    r.jumpIf("F7", "if !info.freed_tables goto F8", x -> x.regOf((int) x.get(f), Vars.INFO_FREED) == 0, "F8");
    r.stepThen("F7a", R, "smp_call_function_many(mask, flush_tlb_func_remote): targets := "
        + "cpumask_and(mask, cpu_online_mask) \\ {cpu} (mm_cpumask read again)",
        x -> x.set(targets, liveMask(x, f, mask) & ~(1L << x.cpu())), "F9");
    r.fn("on_each_cpu_cond_mask");
    r.step("F8", R, "targets := {}; i := first cpu in mask (for_each_cpu: mm_cpumask read again)", x -> {
      long now = liveMask(x, f, mask);
      x.set(cpu, x.cpumaskNext(-1, now));
      x.set(targets, 0);
    });
    r.jumpIf("F8a", "if no cpu left goto F9", x -> x.get(cpu) >= x.cpus(), "F9");
    r.step("F8b", R, "if tlb_is_not_lazy(i) (!per_cpu(is_lazy, i)): targets += i", x -> {
      int i = (int) x.get(cpu);
      if (x.load(x.vars().isLazy(i)) == 0) {
        x.set(targets, x.get(targets) | 1L << i);
      }
    });
    r.stepThen("F8e", R, "i := cpumask_next(i, mask) (mm_cpumask read again)", x -> {
      x.set(cpu, x.cpumaskNext(x.get(cpu), liveMask(x, f, mask)));
    }, "F8a");
    r.fn("smp_call_function_many");
    r.step("F9", IPI, "send flush_tlb_func_remote IPIs to targets \\ {cpu}",
        x -> x.sendIpis(x.get(targets) & ~(1L << x.cpu()), "flush_tlb_func_remote"));
    r.await("F9a", "csd_lock_wait: until every target ran the handler", Exec::ipisDone);
    r.fn("on_each_cpu_mask");
    r.returnIf("F9b", "if cpu ∉ targets return", x -> (x.get(targets) >> x.cpu() & 1) == 0);
    r.call("F9c", "local_irq_save(); flush_tlb_func_remote(&info) on this CPU", "flush_tlb_func_remote",
        x -> new long[] {x.get(f)});
    return r.build();
  }

  /**
   * arch_tlbbatch_flush: reclaim's batched flush, info = {mm = NULL, 0..TLB_FLUSH_ALL,
   * new_tlb_gen = 0}, locally if this CPU is in the batch mask, then flush_tlb_others.
   */
  static Routine archTlbbatchFlush() {
    Routine.Builder r = Routine.builder(BATCH_FLUSH);
    Local mask = r.param("batch_cpumask", Holds.CPUMASK);
    r.step("BF1", P, "info := {mm = NULL, start = 0, end = TLB_FLUSH_ALL}; cpu := get_cpu()", x -> {
      x.setReg(Vars.INFO_MM, Vars.NULL_MM);
      x.setReg(Vars.INFO_START, 0);
      x.setReg(Vars.INFO_END, Vars.TLB_FLUSH_ALL);
      x.setReg(Vars.INFO_STRIDE, 0);
      x.setReg(Vars.INFO_FREED, 0);
      x.setReg(Vars.INFO_NEW_GEN, 0);
      x.setReg(Vars.INFO_INITIATOR, x.cpu());
    });
    r.jumpIf("BF2", "if cpu ∉ batch->cpumask goto BF3", x -> (x.get(mask) >> x.cpu() & 1) == 0, "BF3");
    r.call("BF2a", "local_irq_disable(); flush_tlb_func_local(&info); local_irq_enable()",
        "flush_tlb_func_local", x -> new long[] {x.cpu()});
    r.returnIf("BF3", "if cpumask_any_but(batch->cpumask, cpu) >= nr_cpu_ids return",
        x -> (x.get(mask) & ~(1L << x.cpu())) == 0);
    r.call("BF4", "flush_tlb_others(&batch->cpumask, &info)", OTHERS, x -> new long[] {x.cpu(), x.get(mask)});
    return r.build();
  }

  static Routine flushTlbFuncLocal() {
    Routine.Builder r = Routine.builder("flush_tlb_func_local").irqsOff();
    Local f = r.param("info", Holds.CPU);
    r.call("FL1", "flush_tlb_func_common(f, local = true, TLB_LOCAL_MM_SHOOTDOWN)", "flush_tlb_func_common",
        x -> new long[] {x.get(f), 1});
    return r.build();
  }

  static Routine flushTlbFuncRemote() {
    Routine.Builder r = Routine.builder("flush_tlb_func_remote").irqsOff();
    Local f = r.param("info", Holds.CPU);
    r.returnIf("HR1", "if f->mm && f->mm != loaded_mm return (switched away: the gen check on return covers it)", x -> {
      long fmm = x.regOf((int) x.get(f), Vars.INFO_MM);
      return fmm != Vars.NULL_MM && fmm != x.own(x.vars().loadedMm(x.cpu()));
    });
    r.call("HR2", "flush_tlb_func_common(f, local = false, TLB_REMOTE_SHOOTDOWN)", "flush_tlb_func_common",
        x -> new long[] {x.get(f), 0});
    return r.build();
  }

  /** Kernel function names of the handler's tail, which were renamed over the years. */
  record Names(String isLazy, String flushOne, String flushAll, String handler) {}

  /**
   * H2–H6 of the flush handler, the same logic from 4.20 to 6.x: nothing to do on init_mm, a
   * lazy CPU switches to init_mm instead, nothing if caught up, else a partial flush when exactly
   * one generation behind (f.new_tlb_gen == local + 1 == mm_tlb_gen), else a full one, then
   * record the generation.
   */
  static void handlerTail(Routine.Builder r, Local f, Local lm, Local asid, Local mmGen, Local localGen,
      Names n) {
    r.returnIf("H2", "if loaded_mm == &init_mm return", x -> x.get(lm) == Vars.INIT_MM);
    r.jumpIf("H3", "if !" + n.isLazy() + " goto H4", x -> x.own(x.vars().isLazy(x.cpu())) == 0, "H4");
    r.call("H3a", "lazy: switch_mm_irqs_off(NULL, &init_mm, NULL) instead of flushing", SWITCH_MM,
        x -> new long[] {Vars.NULL_MM, Vars.INIT_MM});
    r.ret("H3b", "return");
    r.returnIf("H4", "if local_tlb_gen == mm_tlb_gen return (already caught up)",
        x -> x.get(localGen) == x.get(mmGen));
    r.jumpIf("H5", "unless f->end != TLB_FLUSH_ALL && f->new_tlb_gen == local_tlb_gen + 1 "
        + "&& f->new_tlb_gen == mm_tlb_gen goto H5b", x -> {
          long fEnd = x.regOf((int) x.get(f), Vars.INFO_END);
          long fGen = x.regOf((int) x.get(f), Vars.INFO_NEW_GEN);
          boolean partial = fEnd != Vars.TLB_FLUSH_ALL && fGen == x.get(localGen) + 1 && fGen == x.get(mmGen);
          if (x.tracing()) {
            x.note("f.new_tlb_gen=" + fGen + " local=" + x.get(localGen) + " mm=" + x.get(mmGen)
                + (partial ? ": partial" : ": full"));
          }
          return !partial;
        }, "H5b");
    r.fn(n.flushOne());
    r.stepThen("H5a", HW, "partial: INVLPG every stride of [f->start, f->end)", x -> {
      int sender = (int) x.get(f);
      long step = 1L << x.regOf(sender, Vars.INFO_STRIDE);
      for (long a = x.regOf(sender, Vars.INFO_START); a < x.regOf(sender, Vars.INFO_END); a += step) {
        x.invlpg(a);
      }
    }, "H6");
    r.fn(n.flushAll());
    r.step("H5b", CR3, "full: native_write_cr3(__native_read_cr3()) flushes the current PCID",
        x -> x.writeCr3(x.cr3Root(), x.cr3Asid(), false));
    r.fn(n.handler());
    r.step("H6", P, "ctxs[asid].tlb_gen := mm_tlb_gen",
        x -> x.setReg(Vars.ctxGen((int) x.get(asid)), x.get(mmGen)));
  }

  static Routine flushTlbFuncCommon() {
    Routine.Builder r = Routine.builder("flush_tlb_func_common").irqsOff();
    Local f = r.param("info", Holds.CPU);
    r.param("local");
    Local lm = r.local("loaded_mm");
    Local asid = r.local("asid");
    Local mmGen = r.local("mm_tlb_gen");
    Local localGen = r.local("local_tlb_gen");
    r.step("H1", R, "loaded_mm, asid := this_cpu_read(...); mm_tlb_gen := loaded_mm->context.tlb_gen; "
        + "local_tlb_gen := ctxs[asid].tlb_gen", x -> {
          x.set(lm, x.own(x.vars().loadedMm(x.cpu())));
          x.set(asid, x.reg(Vars.LOADED_MM_ASID));
          x.set(mmGen, x.load(x.vars().tlbGen((int) x.get(lm))));
          x.set(localGen, x.reg(Vars.ctxGen((int) x.get(asid))));
        });
    handlerTail(r, f, lm, asid, mmGen, localGen, new Names("is_lazy", "__flush_tlb_one_user",
        "local_flush_tlb", "flush_tlb_func_common"));
    return r.build();
  }
}
