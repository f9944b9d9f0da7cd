package org.tlbscript.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Source;
import org.tlbscript.session.ScenarioRun;

/**
 * Random together blocks over every action the language has never break a model self-check
 * (I-asid, I-gen, a kernel WARN): a failure is a bug in tlbscript's model, and an exploration
 * visits interleavings no scenario file spells out (two CPUs faulting on one page found one, a
 * fault inside a remap another). {@code -Dtlbscript.seed=S -Dtlbscript.blocks=N
 * -Dtlbscript.maxCpus=C} runs other, more and wider blocks (seed 7: 200, 11-14 and 21-23: 300 each,
 * 31 with four CPUs: 150; 2 450 blocks in all, passed when it was written; 11-14 before reclaim,
 * collapse and exit were among the actions).
 */
class SelfChecksFuzzTest {
  @Test
  void randomBlocksBreakNoSelfCheck() {
    String[] models = Models.names().toArray(new String[0]);
    String[] prelude = {"switch mm1", "switch mm2", "touch mm1 0x2000", "touch mm1 0x3000 write", "switch kernel"};
    String[] actions = {"switch mm1", "switch mm2", "switch kernel", "touch mm1 0x2000", "touch mm1 0x2000 write",
        "touch mm1 0x3000", "unmap mm1 0x2000", "unmap mm1 0x2000..0x4000", "protect mm1 0x2000..0x4000",
        "remap mm1 0x2000", "map mm1 0x3000", "flush mm1 range 0x2000..0x3000", "flush mm1 all",
        "free-tables mm1 0..0x200000", "use mm1", "unuse mm1", "leave", "reclaim mm1 0x2000",
        "collapse mm1 0x2000", "exit mm2", "touch mm2 0x2000"};
    SplittableRandom rnd = new SplittableRandom(Long.getLong("tlbscript.seed", 7));
    int blocks = Integer.getInteger("tlbscript.blocks", 40);
    ScenarioRun.limits(new Explorer.Limits(100_000, 20_000, Explorer.Limits.DEFAULT.maxMemoryBytes()));
    int ran = 0;
    try {
      for (int tries = 0; ran < blocks && tries < 20 * blocks; tries++) {
        int cpus = 2 + rnd.nextInt(Integer.getInteger("tlbscript.maxCpus", 3) - 1);
        StringBuilder sb = new StringBuilder("kernel " + models[rnd.nextInt(models.length)] + "\ncpus " + cpus
            + "\nmemory " + (rnd.nextBoolean() ? "tso" : "sc") + (rnd.nextInt(3) == 0 ? "\nspeculate on" : "") + "\n");
        for (int c = 0; c < cpus; c++) {
          sb.append("cpu").append(c).append(" switch mm1\n");
          for (int k = rnd.nextInt(3); k > 0; k--) {
            sb.append("cpu").append(c).append(' ').append(prelude[rnd.nextInt(prelude.length)]).append('\n');
          }
        }
        sb.append(ReductionTest.randomBlock(rnd, cpus, actions));
        List<ScenarioRun.Result> r = ScenarioRun.runAll(new Source("fuzz-" + tries + ".tlbs", sb.toString()), null, false);
        ScenarioRun.Status st = r.get(0).status();
        if (st == ScenarioRun.Status.INVALID || st == ScenarioRun.Status.INCOMPLETE) {
          continue;
        }
        assertTrue(st != ScenarioRun.Status.MODEL_BUG, sb + r.get(0).output()
            + r.get(0).diagnostics().stream().map(Diagnostic::render).collect(Collectors.joining()));
        ran++;
      }
    } finally {
      ScenarioRun.limits(Explorer.Limits.DEFAULT);
    }
    assertTrue(ran >= blocks, "only " + ran + " random blocks ran");
  }
}
