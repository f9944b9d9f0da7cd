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

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The models older than 4.20, each a patch of a neighbour (kernel-tlb.md §0, §0a, §2, §4.6):
 * v4.13 (V0), rework-2017 (V1, 94b1b03b519b), lazier-2016 (R16), v4.14 and v4.19 (V2),
 * rik-2018-v1 (R18v1, reconstruction), rik-2018-proposal (the seed mail), and the two tip
 * states of July 2018 (R18tip). {@link #PARENT} names the model each one is derived from.
 * What was checked against kernel sources is in docs/kernel-history-notes.md.
 *
 * <p>Labels: kernel-tlb.md's SW/F/H where they exist; ours: EL (enter_lazy_tlb), LM
 * (leave_mm), FL/HR (local/remote wrappers), RT/RL (tlb_flush_remove_tables and its handler).
 */
public final class LinuxOld {
  private LinuxOld() {}

  static final String SWITCH_MM = Linux420.SWITCH_MM;
  static final String ENTER_LAZY = Linux420.ENTER_LAZY;
  static final String FLUSH = Linux420.FLUSH;
  static final String OTHERS = Linux420.OTHERS;
  static final String COMMON = "flush_tlb_func_common";
  static final String REMOVE_TABLES = "tlb_flush_remove_tables";
  static final String REMOVE_TABLES_LOCAL = "tlb_flush_remove_tables_local";

  /** cpu_tlbstate.state values of ≤ 4.12 (tlbflush.h); 0 is the boot value (neither). */
  static final long TLBSTATE_OK = 1;
  static final long TLBSTATE_LAZY = 2;
  /** The third state of the June 2018 v1 series (reconstruction, §4.6). */
  static final long TLBSTATE_FLUSH = 3;

  /** Model name → the model it is derived from (for tests and `kernels --show`). */
  public static final Map<String, String> PARENT = new LinkedHashMap<>();

  static {
    PARENT.put("v4.19", "v4.20");
    PARENT.put("v4.14", "v4.19");
    PARENT.put("rework-2017", "v4.14");
    PARENT.put("v4.13", "rework-2017");
    PARENT.put("lazier-2016", "v4.12-base"); // the ≤ 4.12 code: not registered, see parent()
    PARENT.put("lazier-2018-tip-ac0315896970", "v4.14");
    PARENT.put("lazier-2018-tip", "lazier-2018-tip-ac0315896970");
    PARENT.put("rik-2018-proposal", "lazier-2018-tip");
    PARENT.put("rik-2018-v1", "lazier-2018-tip-ac0315896970");
  }

  /** Every model of this class, in registration order, derived from the registered v4.20. */
  public static List<KernelModel> models(KernelModel v420) {
    KernelModel v419 = v419(v420.derive("v4.19")).build();
    KernelModel v414 = v414(v419.derive("v4.14")).build();
    KernelModel v1 = rework2017(v414.derive("rework-2017")).build();
    KernelModel v0 = v413(v1.derive("v4.13")).build();
    v412Base = v412(v1.derive("v4.12-base")).build();
    KernelModel r16 = lazier2016(v412Base.derive("lazier-2016")).build();
    KernelModel ac03 = tipAc03(v414.derive("lazier-2018-tip-ac0315896970"), v420).build();
    KernelModel tip = tip(ac03.derive("lazier-2018-tip")).build();
    KernelModel prop = proposal(tip.derive("rik-2018-proposal")).build();
    KernelModel r18v1 = rikV1(ac03.derive("rik-2018-v1")).build();
    return List.of(v0, v1, r16, v414, v419, r18v1, prop, ac03, tip);
  }

  /** The ≤ 4.12 code the 2016 RFC patched (built by {@link #models}; not a registered model). */
  private static KernelModel v412Base;

  /** The model {@code name} is derived from (the unregistered ≤ 4.12 base for lazier-2016). */
  public static KernelModel parent(String name) {
    String p = PARENT.get(name);
    return p.equals("v4.12-base") ? v412Base : Models.find(p).orElseThrow();
  }

  /** The patch that turns the parent into model {@code name} (mutation tests re-derive with it). */
  public static UnaryOperator<KernelModel.Builder> patch(String name) {
    return switch (name) {
      case "v4.19" -> LinuxOld::v419;
      case "v4.14" -> LinuxOld::v414;
      case "rework-2017" -> LinuxOld::rework2017;
      case "v4.13" -> LinuxOld::v413;
      case "lazier-2016" -> LinuxOld::lazier2016;
      case "lazier-2018-tip-ac0315896970" -> b -> tipAc03(b, Models.find("v4.20").orElseThrow());
      case "lazier-2018-tip" -> LinuxOld::tip;
      case "rik-2018-proposal" -> LinuxOld::proposal;
      case "rik-2018-v1" -> LinuxOld::rikV1;
      default -> throw new IllegalArgumentException("not an old model: " + name);
    };
  }

  // ------------------------------------------------------------------------------------------
  // v4.19 (V2 with the init_mm guards and LOADED_MM_SWITCHING): patch of v4.20

  static KernelModel.Builder v419(KernelModel.Builder m) {
    m.about("4.19 (era V2; 4.19.0 release)",
        "b956575bed91 (is_lazy, tlb_defer_switch_to_init_mm), e9d8c6155768 (init_mm guards), "
            + "LOADED_MM_SWITCHING; the 2018 lazy-TLB series reverted (706a1ea65e)",
        "lazy only without PCID (with PCID a kernel thread switches to init_mm at once); "
            + "lazy CPUs stay in mm_cpumask and get every flush IPI; no tlb_gen check on a same-mm return")
        .pcidDefault(true);
    // same mm: nothing to check (lazy CPUs never miss an IPI)
    m.replace(SWITCH_MM, "SW2b", s -> Step.returnIf("SW2b", SWITCH_MM,
        "return (same mm: a lazy CPU got every flush IPI, nothing can be missed)", null));
    for (String l : new String[] {"SW2c", "SW2d", "SW2e", "SW2f"}) {
      m.drop(SWITCH_MM, l);
    }
    m.replace(SWITCH_MM, "SW6", s -> s.with("load_mm_cr4(next); switch_ldt(real_prev, next) (always)",
        x -> x.note("CR4/LDT reloaded")));
    // enter_lazy_tlb: lazy only if tlb_defer_switch_to_init_mm() (no PCID)
    m.insertAfter(ENTER_LAZY, "EL2",
        Step.returnIf("EL2a", ENTER_LAZY, "return", null),
        Step.call("EL3", ENTER_LAZY, "switch_mm(NULL, &init_mm, NULL)", SWITCH_MM,
            x -> new long[] {Vars.NULL_MM, Vars.INIT_MM}));
    m.insertBefore(ENTER_LAZY, "EL2", Step.jumpIf("EL1a", ENTER_LAZY,
        "if !tlb_defer_switch_to_init_mm() (PCID: switching is cheap) goto EL3", Exec::pcid, "EL3"));
    // flush_tlb_mm_range: stride is always PAGE_SHIFT; VM_HUGETLB forces a full flush
    m.replace(FLUSH, "F3", s -> s.with("if end != TLB_FLUSH_ALL && !(vmflag & VM_HUGETLB) && "
        + "(end - start) >> PAGE_SHIFT <= ceiling: info.start/end := start/end; else 0..TLB_FLUSH_ALL",
        s.effect()));
    // native_flush_tlb_others: smp_call_function_many(cpumask): every CPU of the mask
    for (String l : new String[] {"F7", "F8", "F8a", "F8b", "F8e", "F9b", "F9c"}) {
      m.drop(OTHERS, l);
    }
    return m;
  }

  // ------------------------------------------------------------------------------------------
  // v4.14 (V2, 4.14–4.18): unconditional cpumask clear/set, no LOADED_MM_SWITCHING

  static KernelModel.Builder v414(KernelModel.Builder m) {
    m.about("4.14 – 4.18 (era V2)", "10af6235e0d3 (PCID), b956575bed91 (is_lazy), a501686b2923",
        "as 4.19, but cpumask clear/set run for init_mm too and there is no LOADED_MM_SWITCHING");
    Routine sw = Linux420.switchMmIrqsOff();
    Local realPrev = sw.local("real_prev");
    Local next = sw.local("next");
    m.replace(SWITCH_MM, "SW3b", s -> s.with("cpumask_clear_cpu(cpu, mm_cpumask(real_prev)) (init_mm too)",
        x -> x.rmwBits(x.vars().cpumask((int) x.get(realPrev)), 1L << x.cpu(), false)));
    m.replace(SWITCH_MM, "SW3c", s -> s.with("cpumask_set_cpu(cpu, mm_cpumask(next)) (init_mm too)",
        x -> x.rmwBits(x.vars().cpumask((int) x.get(next)), 1L << x.cpu(), true)));
    m.drop(SWITCH_MM, "SW3f");
    return m;
  }

  // ------------------------------------------------------------------------------------------
  // rework-2017 (V1, 94b1b03b519b): lazy = out of mm_cpumask, CR3 kept; one slot, no PCID

  static KernelModel.Builder rework2017(KernelModel.Builder m) {
    m.about("4.14 development only (era V1)", "94b1b03b519b (x86/mm: Rework lazy TLB mode and TLB "
            + "freshness tracking); replaced by b956575bed91 before 4.14",
        "entering lazy mode clears the CPU from mm_cpumask and keeps CR3; the return re-sets the bit, "
            + "reads tlb_gen and flushes if behind; one context slot ctxs[0], no PCID")
        .pcidDefault(false);
    m.routine(switchMmV1());
    Routine.Builder el = Routine.builder(ENTER_LAZY);
    Local mm = el.param("mm");
    el.returnIf("EL1", "if !cpumask_test_cpu(cpu, mm_cpumask(mm)) return", x -> false);
    Routine elr = el.build();
    // EL1 reads the mask: a load, so build it as an R step
    m.routine(elr.withSteps(List.of(
        new Step("EL1", ENTER_LAZY, R, "if !cpumask_test_cpu(cpu, mm_cpumask(mm)) return", Step.Type.RETURN,
            null, x -> x.ownBit(x.vars().cpumask((int) x.get(mm))) == 0, null, null, null),
        Step.of("EL2", ENTER_LAZY, RMW, "cpumask_clear_cpu(cpu, mm_cpumask(mm)) (CR3 stays on mm)",
            x -> x.rmwBits(x.vars().cpumask((int) x.get(mm)), 1L << x.cpu(), false))), Map.of()));
    m.replace("leave_mm", "LM2", s -> Step.of("LM2", "leave_mm", R,
        "WARN_ON(cpumask_test_cpu(cpu, mm_cpumask(loaded_mm))) (we must be lazy)", x -> {
          long lm = x.own(x.vars().loadedMm(x.cpu()));
          if (x.ownBit(x.vars().cpumask((int) lm)) != 0) {
            x.note("WARN_ON: leave_mm on a CPU that is not lazy");
          }
        }));
    // handler: no init_mm test; lazy = not in mm_cpumask(loaded_mm) → return without flushing
    Routine common = Linux420.flushTlbFuncCommon();
    Local lm = common.local("loaded_mm");
    m.drop(COMMON, "H2");
    m.replace(COMMON, "H3", s -> new Step("H3", COMMON, R,
        "if !cpumask_test_cpu(cpu, mm_cpumask(loaded_mm)) return (lazy: don't flush)", Step.Type.RETURN,
        null, x -> x.ownBit(x.vars().cpumask((int) x.get(lm))) == 0, null, null, null));
    m.drop(COMMON, "H3a");
    m.drop(COMMON, "H3b");
    return m;
  }

  static Routine switchMmV1() {
    Routine.Builder r = Routine.builder(SWITCH_MM).irqsOff();
    r.param("prev");
    Local next = r.param("next");
    Local realPrev = r.local("real_prev");
    Local gen = r.local("next_tlb_gen");
    r.step("SW0", P, "real_prev := this_cpu_read(cpu_tlbstate.loaded_mm)",
        x -> x.set(realPrev, x.own(x.vars().loadedMm(x.cpu()))));
    r.jumpIf("SW2", "if real_prev != next goto SW3a", x -> x.get(realPrev) != x.get(next), "SW3a");
    r.step("SW2a", R, "if cpumask_test_cpu(cpu, mm_cpumask(next)) return (not lazy: nothing to do)", x -> { });
    r.step("SW2b", RMW, "cpumask_set_cpu(cpu, mm_cpumask(next)) (resume remote flushes)",
        x -> x.rmwBits(x.vars().cpumask((int) x.get(next)), 1L << x.cpu(), true));
    r.step("SW2d", R, "next_tlb_gen := atomic64_read(&next->context.tlb_gen)",
        x -> x.set(gen, x.load(x.vars().tlbGen((int) x.get(next)))));
    r.jumpIf("SW2e", "if ctxs[0].tlb_gen >= next_tlb_gen goto SW6 (nothing missed while lazy)",
        x -> x.reg(Vars.ctxGen(0)) >= x.get(gen), "SW6");
    r.fn("write_cr3");
    r.stepThen("SW2f", CR3, "ctxs[0].tlb_gen := next_tlb_gen; write_cr3(__pa(next->pgd)) (flush)", x -> {
      x.setReg(Vars.ctxGen(0), x.get(gen));
      x.writeCr3((int) x.get(next), 0, false);
    }, "SW6");
    r.fn(SWITCH_MM);
    r.jumpIf("SW3a", "if !cpumask_test_cpu(cpu, mm_cpumask(real_prev)) goto SW3c", x -> false, "SW3c");
    r.step("SW3b", RMW, "cpumask_clear_cpu(cpu, mm_cpumask(real_prev)) (stop remote flushes)",
        x -> x.rmwBits(x.vars().cpumask((int) x.get(realPrev)), 1L << x.cpu(), false));
    r.step("SW3c", RMW, "cpumask_set_cpu(cpu, mm_cpumask(next)) (start remote flushes, then read tlb_gen)",
        x -> x.rmwBits(x.vars().cpumask((int) x.get(next)), 1L << x.cpu(), true));
    r.step("SW3d", R, "next_tlb_gen := atomic64_read(&next->context.tlb_gen)",
        x -> x.set(gen, x.load(x.vars().tlbGen((int) x.get(next)))));
    r.step("SW3e", P, "ctxs[0] := {next->context.ctx_id, next_tlb_gen}", x -> {
      x.setReg(Vars.ctxId(0), Vars.ctxIdOf(x.get(next)));
      x.setReg(Vars.ctxGen(0), x.get(gen));
    });
    r.step("SW5", W, "this_cpu_write(loaded_mm, next) (before the CR3 write)",
        x -> x.store(x.vars().loadedMm(x.cpu()), x.get(next)));
    r.fn("write_cr3");
    r.step("SW4", CR3, "write_cr3(__pa(next->pgd)) (no PCID: flushes)", x -> x.writeCr3((int) x.get(next), 0, false));
    r.fn(SWITCH_MM);
    r.step("SW6", P, "load_mm_cr4(next); switch_ldt(real_prev, next)", x -> x.note("CR4/LDT reloaded"));
    Routine built = r.build();
    // SW2a and SW3a load the mask: give them their real shape (R return / R branch)
    List<Step> steps = new java.util.ArrayList<>(built.steps);
    steps.set(built.indexOf("SW2a"), new Step("SW2a", SWITCH_MM, R,
        "if cpumask_test_cpu(cpu, mm_cpumask(next)) return (not lazy: nothing to do)", Step.Type.RETURN, null,
        x -> x.ownBit(x.vars().cpumask((int) x.get(next))) != 0, null, null, null));
    steps.set(built.indexOf("SW3a"), new Step("SW3a", SWITCH_MM, R,
        "if !cpumask_test_cpu(cpu, mm_cpumask(real_prev)) goto SW3c", Step.Type.GOTO, null,
        x -> x.ownBit(x.vars().cpumask((int) x.get(realPrev))) == 0, "SW3c", null, null));
    return built.withSteps(steps, Map.of());
  }

  // ------------------------------------------------------------------------------------------
  // v4.13 (V0): the 4.13.0 code. Andy Lutomirski's 4.13 clean-ups already gave it
  // switch_mm_irqs_off, loaded_mm and flush_tlb_func_common, but lazy mode is still
  // cpu_tlbstate.state TLBSTATE_OK/LAZY: a lazy CPU stays in mm_cpumask, its first flush IPI makes
  // it leave_mm() (switch to init_mm), and there is no tlb_gen, no ctxs[], no PCID.
  // Read in a stored 4.13 arch/x86/mm/tlb.c (docs/kernel-history-notes.md, "4.13.0").

  static KernelModel.Builder v413(KernelModel.Builder m) {
    m.about("4.13 (era V0; the code of every release up to 4.13)",
        "4.13.0 arch/x86/mm/tlb.c (after the 4.13 flush_tlb_info clean-ups, before 94b1b03b519b)",
        "state TLBSTATE_OK/LAZY; a lazy CPU stays in mm_cpumask and its first flush IPI makes it "
            + "leave_mm() (switch to init_mm); no tlb_gen, one CR3 flush per mm change")
        .pcidDefault(false)
        .selfChecks(SelfCheck.CR3_MATCHES_LOADED_MM);
    m.routine(switchMm413());
    m.routine(enterLazyV0());
    m.routine(leaveMm413());
    m.routine(flushTlbMmRange413());
    m.routine(others413());
    m.routine(flushTlbFuncCommon413());
    return withoutTlbGenInReclaim(m);
  }

  /** enter_lazy_tlb up to 4.13: TLBSTATE_OK becomes TLBSTATE_LAZY (CR3 and the mask stay). */
  static Routine enterLazyV0() {
    Routine.Builder el = Routine.builder(ENTER_LAZY);
    el.param("mm");
    el.returnIf("EL1", "if this_cpu_read(cpu_tlbstate.state) != TLBSTATE_OK return",
        x -> x.own(x.vars().tlbState(x.cpu())) != TLBSTATE_OK);
    el.step("EL2", W, "this_cpu_write(cpu_tlbstate.state, TLBSTATE_LAZY)",
        x -> x.store(x.vars().tlbState(x.cpu()), TLBSTATE_LAZY));
    return el.build();
  }

  /** arch_tlbbatch_add_mm had no tlb_gen to bump before the rework: the ghost counts generation 1. */
  static KernelModel.Builder withoutTlbGenInReclaim(KernelModel.Builder m) {
    m.drop("reclaim", "RC2");
    m.replace("reclaim", "RC5", s -> s.with("the batch is flushed: the page can be freed",
        x -> x.flushReturned((int) x.get(new Local("mm", 0)), 1)));
    return m;
  }

  /** switch_mm_irqs_off of 4.13: loaded_mm first, then the mask, then CR3, then prev's bit. */
  static Routine switchMm413() {
    Routine.Builder r = Routine.builder(SWITCH_MM).irqsOff();
    r.param("prev");
    Local next = r.param("next");
    Local realPrev = r.local("real_prev");
    r.step("SW0", P, "real_prev := this_cpu_read(cpu_tlbstate.loaded_mm)",
        x -> x.set(realPrev, x.own(x.vars().loadedMm(x.cpu()))));
    r.step("SW1", W, "this_cpu_write(cpu_tlbstate.state, TLBSTATE_OK)",
        x -> x.store(x.vars().tlbState(x.cpu()), TLBSTATE_OK));
    r.jumpIf("SW2", "if real_prev != next goto SW3", x -> x.get(realPrev) != x.get(next), "SW3");
    r.step("SW2a", R, "WARN_ON_ONCE(cpu ∉ mm_cpumask(next)): set it", x -> {
      long bit = 1L << x.cpu();
      if (x.ownBit(x.vars().cpumask((int) x.get(next))) == 0) {
        x.note("WARN_ON_ONCE: cpu not in mm_cpumask(next)");
        x.rmwBits(x.vars().cpumask((int) x.get(next)), bit, true);
      }
    });
    r.ret("SW2b", "return (same mm: no flush, no CR3 write)");
    r.step("SW3", W, "this_cpu_write(cpu_tlbstate.loaded_mm, next)",
        x -> x.store(x.vars().loadedMm(x.cpu()), x.get(next)));
    r.step("SW3c", RMW, "cpumask_set_cpu(cpu, mm_cpumask(next)) (init_mm too)",
        x -> x.rmwBits(x.vars().cpumask((int) x.get(next)), 1L << x.cpu(), true));
    r.fn("load_cr3");
    r.step("SW4", CR3, "load_cr3(next->pgd) (no PCID: drops every user entry)",
        x -> x.writeCr3((int) x.get(next), 0, false));
    r.fn(SWITCH_MM);
    r.step("SW3b", RMW, "cpumask_clear_cpu(cpu, mm_cpumask(real_prev))",
        x -> x.rmwBits(x.vars().cpumask((int) x.get(realPrev)), 1L << x.cpu(), false));
    r.step("SW6", P, "load_mm_cr4(next); switch_ldt(real_prev, next)", x -> x.note("CR4/LDT reloaded"));
    return r.build();
  }

  /** leave_mm of 4.13: a lazy CPU switches to init_mm. */
  static Routine leaveMm413() {
    Routine.Builder r = Routine.builder("leave_mm");
    r.returnIf("LM1", "if loaded_mm == &init_mm return",
        x -> x.own(x.vars().loadedMm(x.cpu())) == Vars.INIT_MM);
    r.step("LM2", P, "if this_cpu_read(cpu_tlbstate.state) == TLBSTATE_OK: BUG()", x -> {
      if (x.own(x.vars().tlbState(x.cpu())) == TLBSTATE_OK) {
        x.note("BUG: leave_mm in TLBSTATE_OK");
      }
    });
    r.call("LM3", "switch_mm(NULL, &init_mm, NULL)", SWITCH_MM, x -> new long[] {Vars.NULL_MM, Vars.INIT_MM});
    return r.build();
  }

  /** flush_tlb_mm_range of 4.13: smp_mb(), the range decision, local flush, the others; no tlb_gen. */
  static Routine flushTlbMmRange413() {
    Routine.Builder r = Routine.builder(FLUSH);
    Local mm = r.param("mm");
    Local start = r.param("start");
    Local end = r.param("end");
    r.param("stride_shift");
    r.param("freed_tables");
    Local mask = r.local("mask", Holds.CPUMASK);
    r.step("F1", F, "cpu := get_cpu(); smp_mb() (synchronizes with switch_mm)", Exec::fence);
    r.step("F3", P, "if end != TLB_FLUSH_ALL && !(vmflag & VM_HUGETLB) && (end - start) >> PAGE_SHIFT "
        + "<= ceiling: info.start/end := start/end; else 0..TLB_FLUSH_ALL", x -> rangeOrFull(x, mm, start, end));
    r.jumpIf("F5", "if mm != loaded_mm goto F6", x -> x.get(mm) != x.own(x.vars().loadedMm(x.cpu())), "F6");
    r.call("F5a", "local_irq_disable(); flush_tlb_func_local(&info); local_irq_enable()",
        "flush_tlb_func_local", x -> new long[] {x.cpu()});
    othersTail(r, mm, mask, "mask := mm_cpumask(mm)", "flush_tlb_others(mask, &info)", "put_cpu()");
    return r.build();
  }

  /** native_flush_tlb_others of 4.13: every CPU of the mask but this one. */
  static Routine others413() {
    return smpCallFunctionMany("flush_tlb_func_remote");
  }

  /**
   * native_flush_tlb_others before the lazy filters: smp_call_function_many(cpumask, handler),
   * every CPU of the mask but this one, waiting for all.
   */
  static Routine smpCallFunctionMany(String handler) {
    Routine.Builder r = Routine.builder(OTHERS);
    Local f = r.param("info", Holds.CPU);
    Local mask = r.param("cpumask", Holds.CPUMASK);
    r.fn("smp_call_function_many");
    r.step("F7a", R, "cfd->cpumask := cpumask_and(cpumask, cpu_online_mask) (mm_cpumask read again)",
        x -> x.set(mask, Linux420.liveMask(x, f, mask)));
    r.step("F9", IPI, "send " + handler + " IPIs to cfd->cpumask \\ {cpu}",
        x -> x.sendIpis(x.get(mask) & ~(1L << x.cpu()), handler));
    r.await("F9a", "csd_lock_wait: until every target ran the handler", Exec::ipisDone);
    return r.build();
  }

  /**
   * F3 before 4.20 (no stride, no freed_tables): a range flush if it spans at most the ceiling
   * in pages (VM_HUGETLB, which forces a full flush, is not modelled); fills the flush_tlb_info.
   */
  static void rangeOrFull(Exec x, Local mm, Local start, Local end) {
    long s = x.get(start);
    long e = x.get(end);
    boolean range = e != Vars.TLB_FLUSH_ALL && ((e - s) >>> Vars.PAGE_SHIFT) <= x.ceiling();
    x.setReg(Vars.INFO_MM, x.get(mm));
    x.setReg(Vars.INFO_START, range ? s : 0);
    x.setReg(Vars.INFO_END, range ? e : Vars.TLB_FLUSH_ALL);
    x.setReg(Vars.INFO_STRIDE, Vars.PAGE_SHIFT);
    x.setReg(Vars.INFO_FREED, 0);
    x.setReg(Vars.INFO_INITIATOR, x.cpu());
    if (x.tracing()) {
      x.note(range ? "range" : "full");
    }
  }

  /** F6–F10 before tlb_gen: read the mask, IPI the others, return (the ghost marks generation 1). */
  static void othersTail(Routine.Builder r, Local mm, Local mask, String readText, String callText,
      String endText) {
    r.step("F6", R, readText, x -> x.set(mask, x.load(x.vars().cpumask((int) x.get(mm)))));
    r.jumpIf("F6a", "if cpumask_any_but(mask, cpu) >= nr_cpu_ids goto F10",
        x -> (x.get(mask) & ~(1L << x.cpu())) == 0, "F10");
    r.call("F6b", callText, OTHERS, x -> new long[] {x.cpu(), x.get(mask)});
    r.step("F10", P, endText + "; return (no tlb_gen: the ghost counts this flush as generation 1)",
        x -> x.flushReturned((int) x.get(mm), 1));
  }

  /** flush_tlb_func_common of 4.13: a lazy CPU leave_mm()s; else a full or per-page flush. */
  static Routine flushTlbFuncCommon413() {
    Routine.Builder r = Routine.builder("flush_tlb_func_common").irqsOff();
    Local f = r.param("info", Holds.CPU);
    r.param("local");
    r.jumpIf("H3", "if this_cpu_read(cpu_tlbstate.state) == TLBSTATE_OK goto H5",
        x -> x.own(x.vars().tlbState(x.cpu())) == TLBSTATE_OK, "H5");
    r.call("H3a", "leave_mm(smp_processor_id())", "leave_mm", x -> new long[0]);
    r.ret("H3b", "return");
    r.jumpIf("H5", "if f->end == TLB_FLUSH_ALL goto H5b",
        x -> x.regOf((int) x.get(f), Vars.INFO_END) == Vars.TLB_FLUSH_ALL, "H5b");
    r.fn("__flush_tlb_single");
    r.step("H5a", HW, "INVLPG every page of [f->start, f->end)", x -> {
      int sender = (int) x.get(f);
      for (long a = x.regOf(sender, Vars.INFO_START); a < x.regOf(sender, Vars.INFO_END);
          a += 1L << Vars.PAGE_SHIFT) {
        x.invlpg(a);
      }
    });
    r.ret("H6", "return");
    r.fn("local_flush_tlb");
    r.step("H5b", CR3, "local_flush_tlb(): reload CR3 (no PCID: drops every user entry)",
        x -> x.writeCr3(x.cr3Root(), x.cr3Asid(), false));
    return r.build();
  }

  // The ≤ 4.12 code (what 94b1b03b519b's diff removes; from memory where the diff is silent):
  // the base of the 2016 RFC, which predates the 4.13 clean-ups. Not a registered model.

  static KernelModel.Builder v412(KernelModel.Builder m) {
    m.pcidDefault(false)
        // leave_mm loads swapper_pg_dir but leaves cpu_tlbstate.active_mm on the old mm, so
        // not even CR3 == loaded_mm holds in this era (see the notes)
        .selfChecks();
    m.routine(switchMmV0());
    m.routine(enterLazyV0());
    m.routine(leaveMmV0());
    m.routine(flushTlbMmRangeV0());
    m.routine(flushTlbFuncV0());
    m.routine(othersV0());
    m.routine(batchFlushV0());
    m.replace("init_new_context", "IC1", s -> s.with("the mm's context (LDT, protection keys) is set up; "
        + "no ctx_id or tlb_gen before 4.13", x -> x.hw().setGlobal(x.vars().created((int) x.get(new Local("mm", 0))), 1)));
    return withoutTlbGenInReclaim(m);
  }

  static Routine switchMmV0() {
    Routine.Builder r = Routine.builder(SWITCH_MM).irqsOff();
    Local prev = r.param("prev");
    Local next = r.param("next");
    r.jumpIf("SW2", "if prev == next goto SW2a", x -> x.get(prev) == x.get(next), "SW2a");
    r.step("SW3a", W, "this_cpu_write(cpu_tlbstate.state, TLBSTATE_OK)",
        x -> x.store(x.vars().tlbState(x.cpu()), TLBSTATE_OK));
    r.step("SW3b", W, "this_cpu_write(cpu_tlbstate.active_mm, next)",
        x -> x.store(x.vars().loadedMm(x.cpu()), x.get(next)));
    r.step("SW3c", RMW, "cpumask_set_cpu(cpu, mm_cpumask(next))",
        x -> x.rmwBits(x.vars().cpumask((int) x.get(next)), 1L << x.cpu(), true));
    r.fn("load_cr3");
    r.step("SW4", CR3, "load_cr3(next->pgd) (serializing: orders TLB fills after the mask write)",
        x -> x.writeCr3((int) x.get(next), 0, false));
    r.fn(SWITCH_MM);
    r.step("SW3d", RMW, "cpumask_clear_cpu(cpu, mm_cpumask(prev)) (stop flush IPIs for prev)", x -> {
      if (x.get(prev) >= 0) {
        x.rmwBits(x.vars().cpumask((int) x.get(prev)), 1L << x.cpu(), false);
      }
    });
    r.step("SW6", P, "load_mm_cr4(next); load_mm_ldt(next); return", x -> x.note("CR4/LDT reloaded"));
    r.ret("SW6a", "return");
    r.step("SW2a", W, "this_cpu_write(cpu_tlbstate.state, TLBSTATE_OK)",
        x -> x.store(x.vars().tlbState(x.cpu()), TLBSTATE_OK));
    r.step("SW2b", R, "if cpumask_test_cpu(cpu, mm_cpumask(next)) return (was not lazy, or lazy and never flushed)",
        x -> { });
    r.step("SW2c", RMW, "cpumask_set_cpu(cpu, mm_cpumask(next)) (leave_mm had stopped flush IPIs)",
        x -> x.rmwBits(x.vars().cpumask((int) x.get(next)), 1L << x.cpu(), true));
    r.fn("load_cr3");
    r.step("SW2d", CR3, "load_cr3(next->pgd): no freed page table can be in use (flush)",
        x -> x.writeCr3((int) x.get(next), 0, false));
    r.fn(SWITCH_MM);
    r.step("SW2e", P, "load_mm_cr4(next); load_mm_ldt(next)", x -> x.note("CR4/LDT reloaded"));
    Routine built = r.build();
    List<Step> steps = new java.util.ArrayList<>(built.steps);
    steps.set(built.indexOf("SW2b"), new Step("SW2b", SWITCH_MM, R,
        "if cpumask_test_cpu(cpu, mm_cpumask(next)) return (not flushed away while lazy)", Step.Type.RETURN,
        null, x -> x.ownBit(x.vars().cpumask((int) x.get(next))) != 0, null, null, null));
    return built.withSteps(steps, Map.of());
  }

  static Routine leaveMmV0() {
    Routine.Builder r = Routine.builder("leave_mm");
    Local active = r.local("active_mm");
    r.step("LM1", P, "active_mm := cpu_tlbstate.active_mm; if state == TLBSTATE_OK: BUG()", x -> {
      x.set(active, x.own(x.vars().loadedMm(x.cpu())));
      if (x.own(x.vars().tlbState(x.cpu())) == TLBSTATE_OK) {
        x.note("BUG: leave_mm in TLBSTATE_OK");
      }
    });
    r.step("LM2", R, "if !cpumask_test_cpu(cpu, mm_cpumask(active_mm)) return", x -> { });
    r.step("LM3", RMW, "cpumask_clear_cpu(cpu, mm_cpumask(active_mm))",
        x -> x.rmwBits(x.vars().cpumask((int) x.get(active)), 1L << x.cpu(), false));
    r.fn("load_cr3");
    r.step("LM4", CR3, "load_cr3(swapper_pg_dir) (cpu_tlbstate.active_mm is left as it is)",
        x -> x.writeCr3(Vars.INIT_MM, 0, false));
    Routine built = r.build();
    List<Step> steps = new java.util.ArrayList<>(built.steps);
    steps.set(built.indexOf("LM2"), new Step("LM2", "leave_mm", R,
        "if !cpumask_test_cpu(cpu, mm_cpumask(active_mm)) return", Step.Type.RETURN, null,
        x -> x.ownBit(x.vars().cpumask((int) x.get(active))) == 0, null, null, null));
    return built.withSteps(steps, Map.of());
  }

  static Routine flushTlbMmRangeV0() {
    Routine.Builder r = Routine.builder(FLUSH);
    Local mm = r.param("mm");
    Local start = r.param("start");
    Local end = r.param("end");
    r.param("stride_shift");
    r.param("freed_tables");
    Local mask = r.local("mask", Holds.CPUMASK);
    r.step("F3", P, "preempt_disable(); base_pages_to_flush := (end - start) >> PAGE_SHIFT unless end == "
        + "TLB_FLUSH_ALL or VM_HUGETLB; > ceiling → TLB_FLUSH_ALL", x -> rangeOrFull(x, mm, start, end));
    r.jumpIf("F4", "if current->active_mm == mm goto F4b", x -> x.reg(Vars.ACTIVE_MM) == x.get(mm), "F4b");
    r.stepThen("F4a", F, "smp_mb() (synchronize with switch_mm); goto out", Exec::fence, "F6");
    r.jumpIf("F4b", "if current->mm goto F5", x -> x.reg(Vars.CUR_MM) != Vars.NULL_MM, "F5");
    r.call("F4c", "leave_mm(smp_processor_id()) (a kernel thread lazily on mm)", "leave_mm", x -> new long[0]);
    r.stepThen("F4d", F, "smp_mb() (synchronize with switch_mm); goto out", Exec::fence, "F6");
    r.jumpIf("F5", "if base_pages_to_flush != TLB_FLUSH_ALL goto F5b",
        x -> x.reg(Vars.INFO_END) != Vars.TLB_FLUSH_ALL, "F5b");
    r.fn("local_flush_tlb");
    r.stepThen("F5a", CR3, "local_flush_tlb() (a CR3 write: an implicit full barrier)",
        x -> x.writeCr3(x.cr3Root(), x.cr3Asid(), false), "F6");
    r.fn("__flush_tlb_single");
    r.step("F5b", HW, "for each page of [start, end): INVLPG (an implicit full barrier)", x -> {
      for (long a = x.reg(Vars.INFO_START); a < x.reg(Vars.INFO_END); a += 1L << Vars.PAGE_SHIFT) {
        x.invlpg(a);
      }
    });
    r.fn(FLUSH);
    othersTail(r, mm, mask, "out: mask := mm_cpumask(mm)", "flush_tlb_others(mask, mm, start, end)",
        "preempt_enable()");
    return r.build();
  }

  /** native_flush_tlb_others of ≤ 4.12: smp_call_function_many(cpumask, flush_tlb_func). */
  static Routine othersV0() {
    return smpCallFunctionMany("flush_tlb_func");
  }

  /** flush_tlb_func of ≤ 4.12: flush if TLBSTATE_OK, else leave_mm. */
  static Routine flushTlbFuncV0() {
    Routine.Builder r = Routine.builder("flush_tlb_func").irqsOff();
    Local f = r.param("info", Holds.CPU);
    r.returnIf("HR1", "if f->flush_mm && f->flush_mm != cpu_tlbstate.active_mm return", x -> {
      long fmm = x.regOf((int) x.get(f), Vars.INFO_MM);
      return fmm != Vars.NULL_MM && fmm != x.own(x.vars().loadedMm(x.cpu()));
    });
    r.jumpIf("H3", "if cpu_tlbstate.state == TLBSTATE_OK goto H5",
        x -> x.own(x.vars().tlbState(x.cpu())) == TLBSTATE_OK, "H5");
    r.call("H3a", "leave_mm(smp_processor_id())", "leave_mm", x -> new long[0]);
    r.ret("H3b", "return");
    r.jumpIf("H5", "if f->flush_end != TLB_FLUSH_ALL goto H5a",
        x -> x.regOf((int) x.get(f), Vars.INFO_END) != Vars.TLB_FLUSH_ALL, "H5a");
    r.fn("local_flush_tlb");
    r.step("H5b", CR3, "local_flush_tlb()", x -> x.writeCr3(x.cr3Root(), x.cr3Asid(), false));
    r.ret("H6", "return");
    r.fn("__flush_tlb_single");
    r.step("H5a", HW, "INVLPG every page of [f->flush_start, f->flush_end)", x -> {
      int sender = (int) x.get(f);
      for (long a = x.regOf(sender, Vars.INFO_START); a < x.regOf(sender, Vars.INFO_END);
          a += 1L << Vars.PAGE_SHIFT) {
        x.invlpg(a);
      }
    });
    return r.build();
  }

  /** arch_tlbbatch_flush of 4.12: local flush if in the batch mask, then flush_tlb_others. */
  static Routine batchFlushV0() {
    Routine.Builder r = Routine.builder(Linux420.BATCH_FLUSH);
    Local mask = r.param("batch_cpumask", Holds.CPUMASK);
    r.step("BF1", P, "info := {flush_mm = NULL, 0..TLB_FLUSH_ALL}; cpu := get_cpu()", x -> {
      x.setReg(Vars.INFO_MM, Vars.NULL_MM);
      x.setReg(Vars.INFO_START, 0);
      x.setReg(Vars.INFO_END, Vars.TLB_FLUSH_ALL);
      x.setReg(Vars.INFO_INITIATOR, x.cpu());
    });
    r.jumpIf("BF2", "if cpu ∉ batch->cpumask goto BF3", x -> (x.get(mask) >> x.cpu() & 1) == 0, "BF3");
    r.fn("local_flush_tlb");
    r.step("BF2a", CR3, "local_flush_tlb()", x -> x.writeCr3(x.cr3Root(), x.cr3Asid(), false));
    r.fn(Linux420.BATCH_FLUSH);
    r.returnIf("BF3", "if cpumask_any_but(batch->cpumask, cpu) >= nr_cpu_ids return",
        x -> (x.get(mask) & ~(1L << x.cpu())) == 0);
    r.call("BF4", "flush_tlb_others(&batch->cpumask, NULL, 0, TLB_FLUSH_ALL)", OTHERS,
        x -> new long[] {x.cpu(), x.get(mask)});
    return r.build();
  }

  // ------------------------------------------------------------------------------------------
  // lazier-2016 (R16): V0 plus "lazy CPUs leave mm_cpumask"

  static KernelModel.Builder lazier2016(KernelModel.Builder m) {
    m.about("2016 RFC, not merged (era R16; on the ≤ 4.12 code)", "Rik van Riel, \"x86,mm,sched: make lazy TLB mode even "
            + "lazier\" (2016; internals reconstructed)",
        "assumed: V0 code whose enter_lazy_tlb also clears the CPU from mm_cpumask; the same-mm "
            + "return finds its bit clear and reloads CR3; page-table freeing never reaches a lazy CPU");
    Local mm = new Local("mm", 0);
    m.insertAfter(ENTER_LAZY, "EL2", Step.of("EL3", ENTER_LAZY, RMW,
        "cpumask_clear_cpu(cpu, mm_cpumask(mm)) (no flush IPIs while lazy)",
        x -> x.rmwBits(x.vars().cpumask((int) x.get(mm)), 1L << x.cpu(), false)));
    return m;
  }

  // ------------------------------------------------------------------------------------------
  // lazier-2018-tip-ac0315896970 (R18tip, first state): V2 + lazymask + same-mm gen check +
  // tlb_flush_remove_tables on every mmu_gather flush

  static KernelModel.Builder tipAc03(KernelModel.Builder m, KernelModel v420) {
    m.about("tip x86/mm, July 2018 (era R18tip, first state; reverted before 4.19)",
        "2ff6ddf19c0e (tlb_flush_remove_tables), 61d0beb5796a, ac0315896970 (lazymask)",
        "lazy only without PCID (tlb_defer_switch_to_init_mm); flush IPIs skip lazy CPUs; the "
            + "page-table-free hook IPIs the whole mask on every mmu_gather flush; smp_mb + tlb_gen "
            + "check on the lazy return");
    // the lazy → same mm return of v4.20 (was_lazy, smp_mb, tlb_gen check)
    Routine sw = v420.routine(SWITCH_MM);
    m.replace(SWITCH_MM, "SW2b", s -> sw.steps.get(sw.indexOf("SW2b")));
    m.insertAfter(SWITCH_MM, "SW2b", sw.steps.get(sw.indexOf("SW2c")), sw.steps.get(sw.indexOf("SW2d")),
        sw.steps.get(sw.indexOf("SW2e")), sw.steps.get(sw.indexOf("SW2f")));
    // native_flush_tlb_others: lazymask = mask minus lazy CPUs
    Routine others = v420.routine(OTHERS);
    Routine othersOld = Linux420.nativeFlushTlbOthers();
    Local mask = othersOld.local("cpumask");
    Local cpu = othersOld.local("i");
    Local targets = othersOld.local("targets");
    Local info = othersOld.local("info");
    m.routine(others);
    for (String l : new String[] {"F7", "F7a", "F8e", "F9b", "F9c"}) {
      m.drop(OTHERS, l);
    }
    // the loop walks the copy (lazymask), not the live mask: F8b advances over it
    m.replace(OTHERS, "F8", s -> Step.of("F8", OTHERS, R,
        "cpumask_copy(lazymask, cpumask) (mm_cpumask read again); i := first cpu in lazymask", x -> {
          long copy = Linux420.liveMask(x, info, mask);
          x.set(mask, copy);
          x.set(cpu, x.cpumaskNext(-1, copy));
          x.set(targets, copy);
        }));
    m.replace(OTHERS, "F8b", s -> new Step("F8b", OTHERS, R,
        "if per_cpu(cpu_tlbstate.is_lazy, i): cpumask_clear_cpu(i, lazymask); i := next cpu in lazymask",
        Step.Type.DO, x -> {
          int i = (int) x.get(cpu);
          if (x.load(x.vars().isLazy(i)) != 0) {
            x.set(targets, x.get(targets) & ~(1L << i));
          }
          x.set(cpu, x.cpumaskNext(i, x.get(mask)));
        }, null, "F8a", null, null));
    m.replace(OTHERS, "F9", s -> Step.of("F9", "smp_call_function_many", IPI,
        "smp_call_function_many(lazymask, flush_tlb_func_remote): IPIs to lazymask \\ {cpu}",
        x -> x.sendIpis(x.get(targets) & ~(1L << x.cpu()), "flush_tlb_func_remote")));
    // the page-table-free hook and where mmu_gather calls it (tlb_flush_mmu_free → tlb_table_flush)
    m.routine(removeTables()).routine(removeTablesLocal());
    Local tlbEnd = new Local("tlb_end", 5);
    m.insertAfter("munmap", "ZP5", hookCall("ZP6"));
    m.replace("munmap", "ZP4", s -> Step.jumpIf("ZP4", s.function(),
        "if tlb.end == 0 goto ZP6 (nothing was unmapped: no flush)", x -> x.get(tlbEnd) == 0, "ZP6"));
    m.insertAfter("free_tables", "FP5", hookCall("FP5b"));
    m.insertAfter("exit_mm", "EX3", hookCall("EX3b"));
    return m;
  }

  private static Step hookCall(String label) {
    return Step.call(label, "tlb_table_flush", "tlb_flush_mmu_free → tlb_table_flush → tlb_flush_remove_tables(tlb->mm)",
        REMOVE_TABLES, x -> new long[] {x.get(new Local("mm", 0))});
  }

  static Routine removeTables() {
    Routine.Builder r = Routine.builder(REMOVE_TABLES);
    Local mm = r.param("mm");
    Local mask = r.local("mask", Holds.CPUMASK);
    Local cpu = r.local("i", Holds.CPU);
    Local targets = r.local("targets", Holds.CPUMASK);
    r.step("RT1", P, "cpu := get_cpu(); the handler's argument := mm", x -> x.setReg(Vars.INFO_MM, x.get(mm)));
    r.step("RT2", R, "mask := mm_cpumask(mm)", x -> x.set(mask, x.load(x.vars().cpumask((int) x.get(mm)))));
    r.returnIf("RT3", "if cpumask_any_but(mask, cpu) >= nr_cpu_ids return", x -> (x.get(mask) & ~(1L << x.cpu())) == 0);
    r.step("RT4", P, "targets := mm_cpumask(mm) (XXX: only lazy CPUs need it)", x -> {
      x.set(targets, x.get(mask));
      x.set(cpu, 0);
    });
    r.fn("smp_call_function_many");
    r.step("RT5", IPI, "send tlb_flush_remove_tables_local IPIs to targets \\ {cpu}",
        x -> x.sendIpis(x.get(targets) & ~(1L << x.cpu()), REMOVE_TABLES_LOCAL));
    r.await("RT6", "csd_lock_wait: until every target ran the handler", Exec::ipisDone);
    return r.build();
  }

  static Routine removeTablesLocal() {
    Routine.Builder r = Routine.builder(REMOVE_TABLES_LOCAL).irqsOff();
    Local f = r.param("info", Holds.CPU);
    r.returnIf("RL1", "if loaded_mm != mm return",
        x -> x.own(x.vars().loadedMm(x.cpu())) != x.regOf((int) x.get(f), Vars.INFO_MM));
    r.returnIf("RL2", "if !is_lazy return", x -> x.own(x.vars().isLazy(x.cpu())) == 0);
    r.call("RL3", "lazy: switch_mm_irqs_off(NULL, &init_mm, NULL) (flushes the paging-structure cache)",
        SWITCH_MM, x -> new long[] {Vars.NULL_MM, Vars.INIT_MM});
    return r.build();
  }

  // ------------------------------------------------------------------------------------------
  // lazier-2018-tip (95b0e6357d3e): always lazy, 64482aafe55f's inverted predicate, and
  // e9d8c6155768's init_mm guards (the series' last patch; the revert left it in place)

  static KernelModel.Builder tip(KernelModel.Builder m) {
    m.about("tip x86/mm, July–Aug 2018 (era R18tip, last state; reverted 22 Aug 2018)",
        "64482aafe55f (page-table-free IPI \"only to lazy CPUs\"), 95b0e6357d3e (always lazy), "
            + "e9d8c6155768 (init_mm guards)",
        "always lazy; flush IPIs skip lazy CPUs; the page-table-free IPI picks CPUs with !is_lazy "
            + "(inverted), so a lazy CPU never leaves a freed page table");
    Routine sw = Linux420.switchMmIrqsOff();
    m.replace(SWITCH_MM, "SW3b", s -> sw.steps.get(sw.indexOf("SW3b")));
    m.replace(SWITCH_MM, "SW3c", s -> sw.steps.get(sw.indexOf("SW3c")));
    m.drop(ENTER_LAZY, "EL1a");
    m.drop(ENTER_LAZY, "EL2a");
    m.drop(ENTER_LAZY, "EL3");
    Routine rt = removeTables();
    Local mask = rt.local("mask");
    Local cpu = rt.local("i");
    Local targets = rt.local("targets");
    m.replace(REMOVE_TABLES, "RT4", s -> Step.of("RT4", "mm_fill_lazy_tlb_cpu_mask", P,
        "lazy_cpus := {}; i := first cpu in mm_cpumask(mm)", x -> {
          x.set(targets, 0);
          x.set(cpu, x.cpumaskNext(-1, x.get(mask)));
        }));
    m.insertAfter(REMOVE_TABLES, "RT4",
        Step.jumpIf("RT4a", "mm_fill_lazy_tlb_cpu_mask", "if no cpu left goto RT5", x -> x.get(cpu) >= x.cpus(), "RT5"),
        new Step("RT4b", "mm_fill_lazy_tlb_cpu_mask", R,
            "if !per_cpu(cpu_tlbstate.is_lazy, i): lazy_cpus += i (sic: the comment wants lazy CPUs); i := next",
            Step.Type.DO, x -> {
              int i = (int) x.get(cpu);
              if (x.load(x.vars().isLazy(i)) == 0) {
                x.set(targets, x.get(targets) | 1L << i);
              }
              x.set(cpu, x.cpumaskNext(i, x.get(mask)));
            }, null, "RT4a", null, null));
    m.replace(REMOVE_TABLES, "RT5", s -> Step.of("RT5", "smp_call_function_many", IPI,
        "smp_call_function_many(lazy_cpus, tlb_flush_remove_tables_local)",
        x -> x.sendIpis(x.get(targets) & ~(1L << x.cpu()), REMOVE_TABLES_LOCAL)));
    return m;
  }

  // ------------------------------------------------------------------------------------------
  // rik-2018-proposal (the seed mail, §4.1): always lazy, no smp_mb, no page-table-free IPI

  static KernelModel.Builder proposal(KernelModel.Builder m) {
    m.about("proposal in Rik van Riel's mail of 22 Jun 2018 (not merged)",
        "seed mail \"Re: [PATCH 4/7] x86,tlb: make lazy TLB mode lazier\"; §4.1, §0a-12",
        "always lazy; is_lazy := false then read tlb_gen with no smp_mb; flush IPIs only to "
            + "!is_lazy CPUs; nothing IPIs lazy CPUs when page tables are freed");
    m.drop(SWITCH_MM, "SW2c");
    m.drop("munmap", "ZP6");
    m.drop("free_tables", "FP5b");
    m.drop("exit_mm", "EX3b");
    return m;
  }

  // ------------------------------------------------------------------------------------------
  // rik-2018-v1 (R18v1, §4.6 reconstruction): TLBSTATE_FLUSH via cmpxchg

  static KernelModel.Builder rikV1(KernelModel.Builder m) {
    m.about("June 2018 v1 series (era R18v1; reconstruction, §4.6)",
        "Rik van Riel v1 \"x86,tlb: make lazy TLB mode lazier\" (not found; from the seed mail)",
        "always lazy with cpu_tlbstate.state OK/LAZY/FLUSH: the flusher cmpxchg's LAZY→FLUSH instead "
            + "of an IPI, the switcher xchg's OK and flushes if it was FLUSH; page-table freeing "
            + "still IPIs lazy CPUs (tlb_flush_remove_tables)");
    Routine sw = Linux420.switchMmIrqsOff();
    Local wasLazy = sw.local("was_lazy");
    m.drop(ENTER_LAZY, "EL1a");
    m.drop(ENTER_LAZY, "EL2a");
    m.drop(ENTER_LAZY, "EL3");
    m.replace(ENTER_LAZY, "EL2", s -> Step.of("EL2", ENTER_LAZY, W,
        "this_cpu_write(cpu_tlbstate.state, TLBSTATE_LAZY)",
        x -> x.store(x.vars().tlbState(x.cpu()), TLBSTATE_LAZY)));
    m.replace(SWITCH_MM, "SW1", s -> Step.of("SW1", SWITCH_MM, RMW,
        "old := xchg(&cpu_tlbstate.state, TLBSTATE_OK); was_lazy := old is LAZY or FLUSH", x -> {
          long old = x.xchg(x.vars().tlbState(x.cpu()), TLBSTATE_OK);
          x.set(wasLazy, old == TLBSTATE_LAZY || old == TLBSTATE_FLUSH ? old : 0);
        }));
    m.drop(SWITCH_MM, "SW2c");
    m.replace(SWITCH_MM, "SW2e", s -> s.withCond(
        "if old != TLBSTATE_FLUSH return (no flush was skipped while lazy)", x -> x.get(wasLazy) != TLBSTATE_FLUSH));
    // the handler and the hook's handler test the state instead of is_lazy; a shared read, as a
    // flusher may cmpxchg it to FLUSH meanwhile
    m.replace(COMMON, "H3", s -> s.readingCond("if cpu_tlbstate.state == TLBSTATE_OK goto H4",
        x -> x.load(x.vars().tlbState(x.cpu())) == TLBSTATE_OK));
    m.replace(REMOVE_TABLES_LOCAL, "RL2", s -> s.readingCond("if cpu_tlbstate.state == TLBSTATE_OK return",
        x -> x.load(x.vars().tlbState(x.cpu())) == TLBSTATE_OK));
    Routine othersOld = Linux420.nativeFlushTlbOthers();
    Local mask = othersOld.local("cpumask");
    Local cpu = othersOld.local("i");
    Local targets = othersOld.local("targets");
    m.replace(OTHERS, "F8b", s -> new Step("F8b", OTHERS, RMW,
        "if cmpxchg(&per_cpu(cpu_tlbstate.state, i), TLBSTATE_LAZY, TLBSTATE_FLUSH) != TLBSTATE_OK: "
            + "no IPI (it flushes on return); i := next cpu in mask", Step.Type.DO, x -> {
              int i = (int) x.get(cpu);
              long old = x.cmpxchg(x.vars().tlbState(i), TLBSTATE_LAZY, TLBSTATE_FLUSH);
              if (old == TLBSTATE_LAZY || old == TLBSTATE_FLUSH) {
                x.set(targets, x.get(targets) & ~(1L << i));
              }
              x.set(cpu, x.cpumaskNext(i, x.get(mask)));
            }, null, "F8a", null, null));
    return m;
  }
}
