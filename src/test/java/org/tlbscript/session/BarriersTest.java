package org.tlbscript.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Models;
import org.tlbscript.kernels.Weakened;
import org.tlbscript.lang.Source;

/**
 * tlbscript barriers: the switch-side smp_mb() of 4.20 (SW2c, the lazy return) and the else-branch
 * smp_mb() of 6.18 (SW3cm, 83b0177a6c48) are needed by the race scenarios, with a counterexample
 * that reaches a stale use; so is the wait for the flush IPIs' handlers; a barrier that never
 * has a store to order is not.
 */
class BarriersTest {
  static Map<String, Barriers.Finding> findings(String kernel, String... files) throws Exception {
    KernelModel m = Models.find(kernel).orElseThrow();
    List<Source> scenarios = new java.util.ArrayList<>();
    for (String f : files) {
      scenarios.add(new Source(f, Files.readString(Path.of(f))));
    }
    return Barriers.analyse(m, scenarios, Barriers.baseline(m, scenarios), f -> { }).stream()
        .collect(Collectors.toMap(f -> f.point().name(), f -> f, (a, b) -> a));
  }

  @Test
  void theLazyReturnsSmpMbIsNeededUnder420() throws Exception {
    Map<String, Barriers.Finding> f = findings("v4.20", "scenarios/races/s04-rik-sb-tso.tlbs");
    Barriers.Finding mb = f.get("switch_mm_irqs_off:SW2c");
    assertEquals(Barriers.Verdict.NEEDED, mb.verdict(), mb.toString());
    assertTrue(mb.report().contains("used a stale TLB entry for 0x2000"), mb.report());
    assertTrue(mb.report().contains("replay script"), mb.report());
    // the fault path's locks order nothing this scenario relies on
    assertEquals(Barriers.Verdict.NEVER_RAN, f.get("map:MP1").verdict());
    // the IPI send has no store to order here; without csd_lock_wait the flush returns before
    // the remote CPU flushed, and a use after that return is stale
    assertEquals(Barriers.Verdict.NEVER_RAN, f.get("native_flush_tlb_others:F9").verdict());
    assertEquals(Barriers.Verdict.NEEDED, f.get("native_flush_tlb_others:F9a").verdict());
  }

  @Test
  void theElseBranchSmpMbOf83b0177a6c48IsNeededUnder618() throws Exception {
    Map<String, Barriers.Finding> f = findings("v6.18", "scenarios/races/s07-s09-switch-window-tso.tlbs");
    assertEquals(Barriers.Verdict.NEEDED, f.get("switch_mm_irqs_off:SW3cm").verdict());
  }

  @Test
  void aWeakenedFenceStillRunsTheStepAndTheWeakenedModelAnswersToItsBasisInOnRanges() {
    KernelModel m = Models.find("v4.20").orElseThrow();
    Weakened.Point sw2c = Weakened.points(m).stream().filter(p -> p.name().equals("switch_mm_irqs_off:SW2c"))
        .findFirst().orElseThrow();
    KernelModel weak = Weakened.model(m, sw2c, new AtomicInteger());
    assertEquals("v4.20", weak.basis);
    assertTrue(weak.routine("switch_mm_irqs_off").steps.stream()
        .anyMatch(s -> s.label().equals("SW2c") && s.text().endsWith("[ordering removed]")));
  }
}
