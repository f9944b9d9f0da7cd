package org.tlbscript.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tlbscript.engine.Moves;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Linux420;
import org.tlbscript.lang.Source;

/**
 * The footprint reduction (docs/explorer.md, reduction 5): it saves states where CPUs touch what
 * no other CPU can still touch, keeps every final state bit for bit, and a model step that
 * touches more than its action's declared footprint is caught.
 */
class FootprintReductionTest {
  /** Two CPUs switch to mm2, which nobody flushes, then into mm1 while cpu0 remaps its page. */
  static final String BLOCK = """
      cpus 3
      memory tso
      cpu0 switch mm1
      cpu0 touch mm1 0x2000
      cpu1 switch mm1
      cpu2 switch mm1
      together {
        cpu0: remap mm1 0x2000
        cpu1: switch mm2; switch mm1; touch mm1 0x2000
        cpu2: switch mm2; switch mm1; touch mm1 0x2000
      }
      """;

  @Test
  void savesStatesAndKeepsEveryFinalStateUnderEveryModel() {
    for (String kernel : List.of("v4.13", "v4.20", "v5.13", "v6.18", "rik-2018-proposal")) {
      Source src = new Source("fp.tlbs", BLOCK);
      List<Set<Machine>> with = ExactOutcomesTest.finalStates(src, kernel);
      long statesWith = states(src, kernel);
      Moves.footprintReduction(false);
      List<Set<Machine>> without;
      long statesWithout;
      try {
        without = ExactOutcomesTest.finalStates(src, kernel);
        statesWithout = states(src, kernel);
      } finally {
        Moves.footprintReduction(true);
      }
      assertEquals(without, with, kernel);
      assertTrue(statesWith < statesWithout, kernel + ": " + statesWith + " vs " + statesWithout + " states");
    }
  }

  /** The states the block explored. */
  static long states(Source src, String kernel) {
    ScenarioRun.Result r = ScenarioRun.runOn(src, org.tlbscript.kernels.Models.find(kernel).orElseThrow(), false);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("together \\(line \\d+\\): (\\d+) states").matcher(r.output());
    assertTrue(m.find(), r.output());
    return Long.parseLong(m.group(1));
  }

  @Test
  void aSwitchStepThatBumpsTlbGenIsOutsideItsFootprint() {
    KernelModel m = Linux420.model().derive("patched").replace(Linux420.SWITCH_MM, "SW5",
        s -> s.with("this_cpu_write(loaded_mm, next); atomic64_inc(&next->context.tlb_gen)", x -> {
          s.effect().run(x);
          x.rmwAdd(x.vars().tlbGen(1), 1);
        })).build();
    Source src = new Source("patched.tlbs", """
        cpus 2
        cpu0 switch mm1
        together {
          cpu0: unmap mm1 0x2000
          cpu1: switch mm1
        }
        """);
    // every move checked (the test suite's setting), and only the moves the reduction reasons
    // about (always): both catch it
    for (boolean everyMove : new boolean[] {true, false}) {
      Moves.checkFootprints(everyMove);
      try {
        ScenarioRun.Result r = ScenarioRun.runOn(src, m, false);
        String text = r.output() + r.diagnostics().stream().map(d -> d.render()).collect(Collectors.joining());
        assertEquals(ScenarioRun.Status.MODEL_BUG, r.status(), text);
        assertTrue(text.contains("touched mm1.tlb_gen"), text);
        assertTrue(text.contains("outside the footprint"), text);
      } finally {
        Moves.checkFootprints(Boolean.getBoolean("tlbscript.checkFootprints"));
      }
    }
  }
}
