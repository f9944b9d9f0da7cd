package org.tlbscript.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tlbscript.lang.Source;
import org.tlbscript.session.ScenarioRun;

/**
 * Every step a model has and its parent model does not (by identity: derive() shares the
 * parent's Step objects, so a new object is a model-specific step) must matter: dropping it
 * from a re-derived copy of the model must make at least one scenario stop passing. The few
 * steps no sequential scenario can observe are listed in {@link #UNOBSERVABLE} with the reason.
 */
class ModelStepsMatterTest {
  /** model/routine:label → why no sequential scenario can notice the step is gone. */
  static final Map<String, String> UNOBSERVABLE = Map.ofEntries(
      // CR4 / LDT are not modelled: these steps only say when they are reloaded
      Map.entry("v4.19/switch_mm_irqs_off:SW6", "CR4/LDT reload (not modelled)"),
      Map.entry("rework-2017/switch_mm_irqs_off:SW6", "CR4/LDT reload (not modelled)"),
      Map.entry("v4.13/switch_mm_irqs_off:SW6", "CR4/LDT reload (not modelled)"),
      Map.entry("v4.13/switch_mm_irqs_off:SW2a", "the WARN_ON_ONCE path: a CPU returning to its mm is "
          + "always still in its mask in 4.13 (leave_mm switched it to init_mm)"),
      Map.entry("v4.13/leave_mm:LM1", "a lazy CPU on init_mm is in no user mm's mask, so no flush IPI "
          + "calls leave_mm there (kernel-range flushes are not modelled)"),
      Map.entry("v4.13/leave_mm:LM2", "a BUG() check only (a trace note)"),
      Map.entry("v4.13/flush_tlb_mm_range:F1", "smp_mb(): TSO-only"),
      Map.entry("v4.13/native_flush_tlb_others:F7a", "smp_call_function_many's re-read of mm_cpumask: "
          + "only a CPU leaving between it and F6 tells them apart; manual stepping pins it "
          + "(FlushMaskRereadTest)"),
      // a return that ends the routine anyway, or a test that only saves an idempotent RMW
      Map.entry("rework-2017/switch_mm_irqs_off:SW2a",
          "same mm, bit set (not lazy): without the return it re-sets the bit, reads tlb_gen and "
              + "finds ctxs[0] up to date (every flush IPI'd it): no CR3 write either way"),
      Map.entry("rework-2017/switch_mm_irqs_off:SW3a",
          "the test before cpumask_clear_cpu: clearing a clear bit changes nothing (it only saves a "
              + "locked op, i.e. a fence: TSO-only)"),
      Map.entry("rework-2017/enter_lazy_tlb:EL1", "the test before cpumask_clear_cpu, as SW3a"),
      Map.entry("v4.13/enter_lazy_tlb:EL1",
          "state := LAZY only if OK: a kernel thread runs after a task (state OK) in every scenario; "
              + "re-writing LAZY is idempotent"),
      Map.entry("rework-2017/leave_mm:LM2", "a WARN_ON only (a trace note)"),
      Map.entry("lazier-2018-tip-ac0315896970/switch_mm_irqs_off:SW2b",
          "same mm, not lazy: without the return it reads tlb_gen, finds its slot up to date (every "
              + "flush IPI'd it) and returns at SW2e"),
      Map.entry("lazier-2018-tip-ac0315896970/switch_mm_irqs_off:SW2f",
          "without it the lazy return falls into the real-switch path: clear and re-set its own "
              + "mm_cpumask bit, re-read tlb_gen, choose the same ASID and flush: the same end state"),
      // fences and waits: they matter only when other CPUs interleave (the coming explorer)
      Map.entry("lazier-2018-tip-ac0315896970/switch_mm_irqs_off:SW2c", "smp_mb(): TSO-only (S4's race)"),
      Map.entry("v4.13/native_flush_tlb_others:F9a",
          "csd_lock_wait: in the canonical schedule the targets take the IPIs before the next action anyway"),
      Map.entry("lazier-2018-tip-ac0315896970/tlb_flush_remove_tables:RT6", "csd_lock_wait, as v4.13 F9a"),
      // early returns whose fall-through sends IPIs to nobody
      Map.entry("v4.13/flush_tlb_mm_range:F6a", "without it flush_tlb_others sends to an empty set"),
      Map.entry("lazier-2018-tip-ac0315896970/tlb_flush_remove_tables:RT3",
          "without it the hook sends to an empty set"),
      // filters that only matter for IPIs that race with a switch
      Map.entry("lazier-2018-tip-ac0315896970/tlb_flush_remove_tables_local:RL1",
          "loaded_mm != mm: CPUs in mm_cpumask(mm) have mm loaded unless the IPI races with a switch"),
      Map.entry("lazier-2018-tip-ac0315896970/tlb_flush_remove_tables:RT1",
          "the hook's argument: every caller runs it right after flush_tlb_mm_range put the same mm in "
              + "the published flush_tlb_info"),
      Map.entry("lazier-2018-tip/tlb_flush_remove_tables:RT4",
          "lazy_cpus := {}, i := first cpu of the mask: frame slots start at 0 and cpu0 is in the mask "
              + "in every scenario that frees tables"),
      // ghost bookkeeping
      Map.entry("v4.13/flush_tlb_mm_range:F10",
          "ghost: marks the change as covered by a returned flush; only a `stale cpuN` assertion "
              + "(a usable stale entry) could see it, and v4.13 has no such bug sequentially"),
      Map.entry("v4.13/reclaim:RC5", "ghost, as F10"));

  static Stream<Arguments> models() {
    return LinuxOld.PARENT.keySet().stream().map(Arguments::of);
  }

  static List<Source> scenarios() throws IOException {
    List<Source> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("scenarios"))) { // races/ included, bad/ not
      for (Path f : files.filter(p -> p.toString().endsWith(".tlbs") && !p.startsWith(Path.of("scenarios", "bad"))
              && !p.getFileName().toString().contains("variant")) // pinned to a teaching variant
          .sorted().toList()) {
        out.add(new Source(f.toString(), Files.readString(f)));
      }
    }
    return out;
  }

  /** (routine, label) of every step of {@code model} that {@code parent} does not have. */
  static List<String[]> ownSteps(KernelModel model, KernelModel parent) {
    Set<Step> inherited = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Routine r : parent.routines()) {
      inherited.addAll(r.steps);
    }
    List<String[]> out = new ArrayList<>();
    for (Routine r : model.routines()) {
      for (Step s : r.steps) {
        if (!inherited.contains(s)) {
          out.add(new String[] {r.name, s.label()});
        }
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void everyOwnStepIsPinnedByAScenario(String name) throws IOException {
    KernelModel model = Models.find(name).orElseThrow();
    KernelModel parent = LinuxOld.parent(name);
    List<Source> scenarios = scenarios();
    for (Source s : scenarios) {
      assertEquals(ScenarioRun.Status.PASSED, ScenarioRun.runOn(s, model, false).status(),
          s.name() + " under " + name);
    }
    List<String[]> own = ownSteps(model, parent);
    assertTrue(!own.isEmpty() || name.equals("rik-2018-proposal"), name + " has no steps of its own");
    List<String> survivors = new ArrayList<>();
    for (String[] step : own) {
      String key = name + "/" + step[0] + ":" + step[1];
      KernelModel mutant = LinuxOld.patch(name).apply(parent.derive(name)).drop(step[0], step[1]).build();
      boolean noticed = false;
      for (Source s : scenarios) {
        ScenarioRun.Status st;
        try {
          st = ScenarioRun.runOn(s, mutant, false).status();
        } catch (RuntimeException e) {
          st = ScenarioRun.Status.MODEL_BUG;
        }
        if (st != ScenarioRun.Status.PASSED) {
          noticed = true;
          break;
        }
      }
      if (!noticed && !UNOBSERVABLE.containsKey(key)) {
        survivors.add(key);
      }
    }
    assertEquals(List.of(), survivors, "steps no scenario notices when dropped");
  }
}
