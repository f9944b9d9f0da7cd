package org.tlbscript.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tlbscript.engine.Reductions;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Linux420;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Source;

/**
 * The dead-variable reduction (docs/explorer.md, reduction 6): frame variables no step will read
 * again are cleared, so states that differ only in them are one. What steps read is learnt as
 * they run (a probe, and the run of each lane alone before a block, fill most of the table
 * first). engine/DeadVariableLitmusTest tests the safety net: a table that learns as it goes.
 */
class DeadVariableTest {
  @Test
  void aModelSeenForTheFirstTimeLearnsWhatItsStepsReadAndLosesNoFinalState() {
    // a model no exploration has run yet: its table of reads is empty
    KernelModel fresh = Linux420.model().derive("v4.20-fresh").build();
    Source src = new Source("dead.tlbs", FootprintReductionTest.BLOCK);
    List<Set<Machine>> cleared = Reductions.withoutProbing(() -> ExactOutcomesTest.finalStates(src, fresh));
    List<Set<Machine>> kept = Reductions.withoutDeadVariables(() -> ExactOutcomesTest.finalStates(src, fresh));
    assertEquals(kept, cleared);
    assertTrue(cleared.get(0).size() > 1, cleared.get(0).size() + " final states");
  }

  @Test
  void clearingDeadVariablesSavesStates() {
    for (String kernel : List.of("v4.20", "v6.18")) {
      KernelModel model = Models.find(kernel).orElseThrow();
      Source src = new Source("dead.tlbs", FootprintReductionTest.BLOCK);
      long with = FootprintReductionTest.states(src, kernel);
      long without = Reductions.withoutDeadVariables(() -> FootprintReductionTest.states(src, kernel));
      assertTrue(with < without, kernel + ": " + with + " vs " + without + " states");
      assertEquals(Reductions.withoutDeadVariables(() -> ExactOutcomesTest.finalStates(src, model)),
          ExactOutcomesTest.finalStates(src, model), kernel);
    }
  }
}
