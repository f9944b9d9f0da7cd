package org.tlbscript.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tlbscript.engine.Explorer;
import org.tlbscript.engine.ReductionTest;
import org.tlbscript.hw.Machine;
import org.tlbscript.lang.Source;

/**
 * Exploring on several threads (the depth-first part, from the breadth-first frontier, with work
 * given to idle workers) reaches exactly the final states of one thread, and reports them in an
 * order that does not depend on timing. The frontier is made tiny so that small random blocks
 * go depth first, on 2 and 3 workers, against 1.
 */
class ParallelExplorationTest {
  static List<Set<Machine>> finals(Source src, String kernel, int workers) {
    ScenarioRun.limits(new Explorer.Limits(200_000, 30_000, Explorer.Limits.DEFAULT.maxMemoryBytes()).withWorkers(workers));
    try {
      return ExactOutcomesTest.finalStates(src, kernel);
    } finally {
      ScenarioRun.limits(Explorer.Limits.DEFAULT);
    }
  }

  @Test
  void randomBlocksReachTheSameFinalStatesOnOneTwoAndThreeWorkers() {
    String[] models = {"v4.13", "v4.20", "v5.13", "v6.18", "rik-2018-proposal"};
    String[] actions = {"switch mm1", "switch mm2", "switch kernel", "touch mm1 0x2000", "unmap mm1 0x2000",
        "flush mm1 range 0x2000..0x3000", "remap mm1 0x2000", "free-tables mm1 0..0x200000", "use mm1"};
    SplittableRandom rnd = new SplittableRandom(Long.getLong("tlbscript.seed", 20261208));
    int blocks = Integer.getInteger("tlbscript.blocks", 12);
    Explorer.breadthFirstLimit(4);
    try {
      int compared = 0;
      for (int tries = 0; compared < blocks && tries < 20 * blocks; tries++) {
        int cpus = 3;
        String kernel = models[rnd.nextInt(models.length)];
        String text = "cpus 3\nmemory " + (rnd.nextBoolean() ? "tso" : "sc") + (rnd.nextInt(4) == 0 ? "\nspeculate on" : "")
            + "\ncpu0 switch mm1\ncpu1 switch mm1\ncpu2 switch mm2\ncpu1 touch mm1 0x2000\n"
            + ReductionTest.randomBlock(rnd, cpus, actions);
        Source src = new Source("parallel-" + tries + ".tlbs", text);
        List<Set<Machine>> one = finals(src, kernel, 1);
        if (one == null) {
          continue;
        }
        for (int workers : new int[] {2, 3}) {
          List<Set<Machine>> many = finals(src, kernel, workers);
          assertNotNull(many, workers + " workers did not finish\n" + text);
          assertEquals(one, many, workers + " workers under " + kernel + "\n" + text);
        }
        compared++;
      }
      assertTrue(compared >= blocks, "only " + compared + " blocks compared");
    } finally {
      Explorer.breadthFirstLimit(300_000);
    }
  }

  @Test
  void theReportIsTheSameWhicheverWorkerFindsWhat() {
    Source src = new Source("p.tlbs", FootprintReductionTest.BLOCK.replace("cpus 3", "kernel v6.18\ncpus 3")
        + "assert stale none\n");
    Explorer.breadthFirstLimit(4);
    try {
      ScenarioRun.limits(Explorer.Limits.DEFAULT.withWorkers(2));
      // the moves tried depend on who gave what to whom; the states and the report do not
      String first = ScenarioRun.runAll(src, null, false).get(0).output().replaceAll("\\d+ (ms|transitions)", "");
      for (int i = 0; i < 3; i++) {
        assertEquals(first, ScenarioRun.runAll(src, null, false).get(0).output().replaceAll("\\d+ (ms|transitions)", ""));
      }
    } finally {
      ScenarioRun.limits(Explorer.Limits.DEFAULT);
      Explorer.breadthFirstLimit(300_000);
    }
  }
}
