package org.tlbscript.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dead-variable reduction's safety net (docs/explorer.md, reduction 6), with no probe: each
 * litmus test is a model of its own, seen for the first time, whose registers are frame
 * variables set from the initial state and read only by the last step. The table of reads
 * starts empty, so the first exploration clears registers still to be read; it must notice, run
 * again, and end with the outcomes of an exploration that clears nothing.
 */
class DeadVariableLitmusTest {
  @Test
  void everyShippedLitmusTestLearnsWhatItsStepsReadAndKeepsItsOutcomes() throws Exception {
    List<Path> files = LitmusTest.files(LitmusTest.CORPUS);
    int reran = 0;
    for (Path f : files) {
      Litmus.Test t = LitmusTest.parse(f);
      for (boolean tso : new boolean[] {true, false}) {
        Litmus.Run learnt = Reductions.withoutProbing(() -> Litmus.run(t, tso));
        Litmus.Run kept = Reductions.withoutDeadVariables(() -> Litmus.run(t, tso));
        assertEquals(kept.outcomes(), learnt.outcomes(), f + (tso ? " x86-TSO" : " SC"));
        reran += learnt.thrownAway() > 0 ? 1 : 0;
      }
    }
    assertTrue(reran >= files.size(), "only " + reran + " runs learnt as they went");
  }
}
