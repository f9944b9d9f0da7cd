package org.tlbscript.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Source;
import org.tlbscript.session.ScenarioRun;

/**
 * The kernel reads the live mm_cpumask again after flush_tlb_mm_range's test: 5.13+'s
 * smp_call_function_many_cond twice (run_remote, then the loop's snapshot), the older
 * smp_call_function_many in its cpumask_and. A CPU that joins or leaves in between is or is not
 * IPI'd accordingly. Only manual stepping can put a CPU between the reads, and the scenario files
 * must also run under the other models, which have other steps: these scripts pin SC3, SC2a and
 * 4.13's F7a instead (the steps-matter tests list them as not observable by a scenario file).
 */
class FlushMaskRereadTest {
  /** cpu0 and cpu2 run mm1; cpu0's unmap is paused after F6 read mm_cpumask(mm1) = {cpu0 cpu2}. */
  static final String PAUSED_AFTER_F6 = """
      cpus 3
      cpu0 switch mm1
      cpu2 switch mm1
      cpu0 touch mm1 0x2000
      cpu0 begin unmap mm1 0x2000
      cpu0 step to F6b     # F6 read {cpu0 cpu2}: others present
      """;

  /** cpu1 joins mm_cpumask(mm1) after F6 read it: the snapshot (SC3) includes it. */
  static final String JOINS_AFTER_F6 = PAUSED_AFTER_F6 + """
      cpu1 switch mm1      # cpu1 joins
      cpu0 finish
      assert ipis cpu1 1
      """;

  /** cpu2 leaves before run_remote is read, cpu1 joins after: the flush stays local (SC2a). */
  static final String LEAVES_THEN_JOINS = PAUSED_AFTER_F6 + """
      cpu2 switch mm2      # 5.13 clears prev's bit: cpu2 leaves
      cpu0 step to SC2     # SC1: no remote CPU any more
      cpu1 switch mm1      # cpu1 joins after run_remote was decided
      cpu0 finish
      assert ipis cpu1 0
      assert ipis cpu2 0
      """;

  static ScenarioRun.Status run(String text, KernelModel model) {
    ScenarioRun.Result r = ScenarioRun.runOn(new Source("reread.tlbs", text), model, false);
    if (r.status() == ScenarioRun.Status.INVALID || r.status() == ScenarioRun.Status.MODEL_BUG) {
      throw new AssertionError(r.diagnostics().stream().map(Diagnostic::render).collect(Collectors.joining()));
    }
    return r.status();
  }

  static KernelModel without(String model, String label) {
    KernelModel m = Models.find(model).orElseThrow();
    return m.derive(m.name).drop(Linux513.MULTI, label).build();
  }

  @Test
  void aCpuThatJoinsAfterTheFirstReadIsInTheSnapshot() {
    for (String model : new String[] {"v5.13", "v6.0", "v6.14", "v6.18"}) {
      assertEquals(ScenarioRun.Status.PASSED, run(JOINS_AFTER_F6, Models.find(model).orElseThrow()), model);
      assertEquals(ScenarioRun.Status.FAILED, run(JOINS_AFTER_F6, without(model, "SC3")), model + " without SC3");
    }
  }

  @Test
  void withNoRemoteCpuAtTheSecondReadTheFlushStaysLocal() {
    assertEquals(ScenarioRun.Status.PASSED, run(LEAVES_THEN_JOINS, Models.find("v5.13").orElseThrow()));
    assertEquals(ScenarioRun.Status.FAILED, run(LEAVES_THEN_JOINS, without("v5.13", "SC2a")));
  }

  /** 4.13: cpu2 leaves mm_cpumask(mm1) (switch_mm clears prev's bit) after F6 read it. */
  static final String LEAVES_AFTER_F6 = PAUSED_AFTER_F6 + """
      cpu2 switch mm2      # cpu2 leaves
      cpu0 finish
      assert ipis cpu2 0
      """;

  @Test
  void beforeTheLazyFiltersACpuThatLeftAfterTheFirstReadIsNotIpid() {
    KernelModel v413 = Models.find("v4.13").orElseThrow();
    assertEquals(ScenarioRun.Status.PASSED, run(LEAVES_AFTER_F6, v413));
    KernelModel without = v413.derive(v413.name).drop(Linux420.OTHERS, "F7a").build();
    assertEquals(ScenarioRun.Status.FAILED, run(LEAVES_AFTER_F6, without));
  }

  /** 4.20: cpu1 joins mm_cpumask(mm1) while the on_each_cpu_cond_mask loop is past cpu0. */
  static final String JOINS_DURING_THE_LOOP = """
      cpus 3
      cpu0 switch mm1
      cpu2 switch mm1
      cpu0 touch mm1 0x2000
      cpu0 begin unmap mm1 0x2000
      cpu0 step to F8e     # the loop has checked cpu0
      cpu1 switch mm1      # cpu1 joins
      cpu0 finish
      assert ipis cpu1 1   # for_each_cpu's cpumask_next reads the live mask: cpu1 is checked
      """;

  @Test
  void forEachCpuWalksTheLiveMaskIn420() {
    KernelModel v420 = Models.find("v4.20").orElseThrow();
    assertEquals(ScenarioRun.Status.PASSED, run(JOINS_DURING_THE_LOOP, v420));
    Routine others = v420.routine(Linux420.OTHERS);
    Local i = others.local("i");
    Local mask = others.local("cpumask");
    KernelModel snapshot = v420.derive(v420.name).replace(Linux420.OTHERS, "F8e", s -> s.with(
        "i := next cpu in F6's snapshot", x -> {
          x.set(i, x.cpumaskNext(x.get(i), x.get(mask)));
        })).build();
    assertEquals(ScenarioRun.Status.FAILED, run(JOINS_DURING_THE_LOOP, snapshot));
  }
}
