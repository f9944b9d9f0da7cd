package org.tlbscript.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tlbscript.engine.Explorer;
import org.tlbscript.engine.ReductionTest;
import org.tlbscript.engine.Reductions;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Source;

/**
 * The explorer's reductions (private moves taken alone, speculative walks held back, symmetry)
 * keep every final state of a together block, exactly: random blocks give the same set of
 * machine states, bit for bit, with every reduction on as with none. Finer than comparing
 * verdicts, which can agree while an outcome is lost.
 * {@code -Dtlbscript.seed=S -Dtlbscript.blocks=N} runs other and more blocks.
 */
class ExactOutcomesTest {
  /** The state sets each together block of {@code src} left, in order; null when a run was cut short. */
  static List<Set<Machine>> finalStates(Source src, String kernel) {
    return finalStates(src, Models.find(kernel).orElseThrow());
  }

  static List<Set<Machine>> finalStates(Source src, org.tlbscript.kernels.KernelModel model) {
    List<Set<Machine>> sets = new ArrayList<>();
    boolean[] complete = {true};
    ScenarioRun.Result r = Watch.run(src, model, (session, stmt, o) -> {
      if (stmt instanceof Ast.Together) {
        // STOPPED: a bound ended the run before any outcome (it once passed as complete, with the
        // block's start state as its one "final state")
        complete[0] &= o.status() != Outcome.Status.INCOMPLETE && o.status() != Outcome.Status.INVALID
            && o.status() != Outcome.Status.STOPPED;
        Set<Machine> states = new HashSet<>();
        session.worlds.forEach(w -> states.add(w.machine()));
        sets.add(states);
      }
    });
    return complete[0] && r.status() != ScenarioRun.Status.INVALID ? sets : null;
  }

  @Test
  void randomBlocksReachExactlyTheSameFinalStatesWithAndWithoutReductions() {
    String[] models = {"v4.13", "lazier-2016", "v4.14", "rik-2018-v1", "rik-2018-proposal", "lazier-2018-tip",
        "v4.19", "v4.20", "v5.13", "v6.0", "v6.14", "stable-6.6-misordered", "v6.18"};
    String[] actions = {"switch mm1", "switch mm2", "switch kernel", "touch mm1 0x2000", "touch mm1 0x2000 write",
        "touch mm1 0x3000", "unmap mm1 0x2000", "flush mm1 range 0x2000..0x3000", "protect mm1 0x2000..0x4000",
        "flush mm1", "remap mm1 0x2000", "map mm1 0x3000", "free-tables mm1 0..0x200000", "reclaim mm1 0x2000",
        "collapse mm1 0x2000", "use mm1", "unuse mm1", "leave"};
    SplittableRandom rnd = new SplittableRandom(Long.getLong("tlbscript.seed", 20261203));
    int blocks = Integer.getInteger("tlbscript.blocks", 40);
    ScenarioRun.limits(new Explorer.Limits(100_000, 20_000, Explorer.Limits.DEFAULT.maxMemoryBytes()));
    int compared = 0;
    try {
      for (int tries = 0; compared < blocks && tries < 30 * blocks; tries++) {
        int cpus = 2 + rnd.nextInt(2);
        String kernel = models[rnd.nextInt(models.length)];
        StringBuilder sb = new StringBuilder("cpus " + cpus + "\nmemory " + (rnd.nextBoolean() ? "tso" : "sc")
            + (rnd.nextBoolean() ? "\nspeculate on" : "") + "\n");
        for (int c = 0; c < cpus; c++) {
          sb.append("cpu").append(c).append(rnd.nextInt(4) == 0 ? " switch mm2\n" : " switch mm1\n");
        }
        sb.append("cpu1 touch mm1 0x2000\n").append(rnd.nextBoolean() ? "cpu1 switch kernel\n" : "");
        sb.append(ReductionTest.randomBlock(rnd, cpus, actions));
        Source src = new Source("random-" + tries + ".tlbs", sb.toString());
        List<Set<Machine>> reduced = finalStates(src, kernel);
        if (reduced == null) {
          continue;
        }
        List<Set<Machine>> full = Reductions.off(() -> finalStates(src, kernel));
        if (full == null) {
          continue;
        }
        assertEquals(full.size(), reduced.size());
        for (int i = 0; i < full.size(); i++) {
          Set<Machine> lost = new HashSet<>(full.get(i));
          lost.removeAll(reduced.get(i));
          Set<Machine> extra = new HashSet<>(reduced.get(i));
          extra.removeAll(full.get(i));
          assertTrue(lost.isEmpty() && extra.isEmpty(), "kernel " + kernel + "\n" + src.text() + "\n"
              + lost.size() + " final states lost, " + extra.size() + " extra, of " + full.get(i).size());
        }
        compared++;
      }
    } finally {
      ScenarioRun.limits(Explorer.Limits.DEFAULT);
    }
    assertTrue(compared >= blocks, "only " + compared + " random blocks could be compared");
  }
}
