package org.tlbscript.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tlbscript.engine.ReductionTest.assertionsSplittingOutcomes;
import static org.tlbscript.engine.ReductionTest.sameVerdicts;
import static org.tlbscript.engine.ReductionTest.states;
import static org.tlbscript.engine.ReductionTest.verdicts;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Source;
import org.tlbscript.session.ScenarioRun;

/**
 * Symmetry reduction loses nothing: blocks whose CPUs run the same lanes have the same
 * outcomes and verdicts with it as without it, under every model, while each state the search
 * expands is checked to map, under every renaming, onto its renamed state's moves and
 * successors ({@link Symmetry#verify}). Where the code visits CPUs in id order the search
 * starts again without it, and says so.
 */
class SymmetryTest {
  static <T> T verified(Supplier<T> run) {
    Symmetry.verifying(true);
    try {
      return run.get();
    } finally {
      Symmetry.verifying(false);
    }
  }

  static List<ScenarioRun.Result> withoutSymmetry(Source src) {
    Symmetry.enabled(false);
    try {
      return ScenarioRun.runAll(src, null, false);
    } finally {
      Symmetry.enabled(true);
    }
  }

  /** Blocks with interchangeable CPUs: lanes alike, or no lane, from states alike. */
  static final String[][] BLOCKS = {
    {"switchers-and-a-range-flush", """
        kernel all
        cpus 3
        cpu0 switch mm1
        cpu1 switch mm1
        cpu2 switch mm1
        together {
          cpu0: flush mm1 range 0x2000..0x3000
          cpu1: switch mm2; switch mm1
          cpu2: switch mm2; switch mm1
        }
        assert stale none
        """},
    {"s4-with-two-lazy-cpus", """
        kernel all
        cpus 3
        cpu1 switch mm1
        cpu1 touch mm1 0x2000
        cpu1 switch kernel
        cpu2 switch mm1
        cpu2 touch mm1 0x2000
        cpu2 switch kernel
        together {
          cpu0: unmap mm1 0x2000
          cpu1: switch mm1; touch mm1 0x2000
          cpu2: switch mm1; touch mm1 0x2000
        }
        on rik-2018-proposal assert sometimes stale cpu2 0x2000
        assert sometimes ipis cpu1 1
        assert sometimes cpu2 lazy
        """},
    {"lazy-cpus-return-while-tables-are-freed", """
        kernel all
        cpus 4
        cpu0 switch mm1
        cpu1 switch mm2
        cpu2 switch mm1
        cpu2 switch kernel
        cpu3 switch mm1
        cpu3 switch kernel
        together {
          cpu0: free-tables mm1 0..0x200000
          cpu2: switch mm1
          cpu3: switch mm1
        }
        assert freed-walk none
        assert sometimes ipis cpu3 1
        assert sometimes ipis cpu2 0
        """},
    {"speculative-walks-of-two-switchers", """
        kernel all
        cpus 3
        memory sc
        speculate on
        cpu0 switch mm1
        cpu0 touch mm1 0x2000
        together {
          cpu0: unmap mm1 0x2000
          cpu1: switch mm1
          cpu2: switch mm1
        }
        assert stale none
        """},
  };

  @TestFactory
  Stream<DynamicTest> symmetricBlocksHaveTheSameOutcomesWithAndWithoutSymmetry() {
    return Stream.of(BLOCKS).map(b -> DynamicTest.dynamicTest(b[0], () -> {
      Source src = new Source(b[0] + ".tlbs", b[1]);
      List<ScenarioRun.Result> sym = verified(() -> ScenarioRun.runAll(src, null, false));
      List<ScenarioRun.Result> none = withoutSymmetry(src);
      assertEquals(verdicts(none), verdicts(sym));
      String out = sym.stream().map(ScenarioRun.Result::output).collect(Collectors.joining());
      assertTrue(out.contains(", symmetry cpu"), out);
      // what symmetry saves by itself: the footprint reduction may save the same states
      Moves.footprintReduction(false);
      try {
        long with = states(ScenarioRun.runAll(src, null, false));
        long without = states(withoutSymmetry(src));
        assertTrue(with < without, with + " vs " + without + " states");
      } finally {
        Moves.footprintReduction(true);
      }
    }));
  }

  @Test
  void theSwitchersOfTheBenchmarkNeedASixthOfTheStatesUnderV618() {
    Source src = new Source("b.tlbs", BLOCKS[0][1].replace("kernel all", "kernel v6.18"));
    List<ScenarioRun.Result> sym = verified(() -> ScenarioRun.runAll(src, null, false));
    List<ScenarioRun.Result> none = withoutSymmetry(src);
    assertTrue(sym.get(0).output().contains("symmetry cpu1 cpu2 (2 renamings)"), sym.get(0).output());
    assertTrue(states(sym) * 3 / 2 < states(none), states(sym) + " vs " + states(none) + " states");
  }

  /** Five CPUs alike would make 120 renamings: four of them are exchanged (24), the fifth stays. */
  @Test
  void aClassTooLargeForTheRenamingsKeepsASubgroup() {
    Source src = new Source("idle.tlbs", """
        kernel v6.18
        cpus 6
        together {
          cpu0: switch mm1; switch kernel
        }
        assert cpu5 not lazy
        assert sometimes cpu0 lazy
        """);
    List<ScenarioRun.Result> sym = verified(() -> ScenarioRun.runAll(src, null, false));
    assertTrue(sym.get(0).output().contains("symmetry cpu1 cpu2 cpu3 cpu4 (24 renamings)"), sym.get(0).output());
    assertEquals(verdicts(withoutSymmetry(src)), verdicts(sym));
  }

  /**
   * 63 idle CPUs alike: still 24 renamings. The bound was checked with an int factorial, which
   * 17! overflows (to a negative): from 18 CPUs on, every permutation of the idle ones was built,
   * an OutOfMemoryError (found by FuzzTest).
   */
  @Test
  void sixtyThreeIdleCpusKeepTwentyFourRenamings() {
    for (int cpus : new int[] {18, 35, 64}) {
      Source src = new Source("many.tlbs", "kernel v6.18\ncpus " + cpus + "\ncpu0 switch mm1\ntogether {\n"
          + "  cpu0: switch mm2\n}\nassert cpu0 loaded mm2\n");
      ScenarioRun.Result r = ScenarioRun.runAll(src, null, false).get(0);
      assertEquals(ScenarioRun.Status.PASSED, r.status(), r.output() + r.diagnostics());
      assertTrue(r.output().contains("symmetry cpu1 cpu2 cpu3 cpu4 (24 renamings)"), r.output());
    }
  }

  /** 4.20's range flush checks is_lazy CPU by CPU, in id order: no symmetry there. */
  @Test
  void whereTheCodeVisitsCpusInIdOrderTheSearchStartsAgainWithoutSymmetry() {
    Source src = new Source("b.tlbs", BLOCKS[0][1].replace("kernel all", "kernel v4.20"));
    ScenarioRun.Result r = verified(() -> ScenarioRun.runAll(src, null, false)).get(0);
    assertEquals(ScenarioRun.Status.PASSED, r.status(), r.output());
    assertTrue(r.output().contains("no symmetry: native_flush_tlb_others:F8 visits CPUs in id order"), r.output());
    assertEquals(states(withoutSymmetry(src)), states(List.of(r)));
  }

  /**
   * Random blocks in which two or three CPUs run the same random lane from the same state,
   * beside a CPU with its own lane, under models of every era, TSO or SC, speculating or not.
   * {@code -Dtlbscript.seed=S -Dtlbscript.blocks=N} runs other and more blocks.
   */
  @Test
  void randomSymmetricBlocksHaveTheSameOutcomesWithAndWithoutSymmetry() {
    String[] models = Models.names().toArray(new String[0]);
    String[] actions = {"switch mm1", "switch mm2", "switch kernel", "touch mm1 0x2000", "touch mm1 0x2000 write",
        "unmap mm1 0x2000", "flush mm1 range 0x2000..0x3000", "protect mm1 0x2000..0x3000", "flush mm1 all",
        "free-tables mm1 0..0x200000", "remap mm1 0x2000", "map mm1 0x3000"};
    SplittableRandom rnd = new SplittableRandom(Long.getLong("tlbscript.seed", 20261126));
    int blocks = Integer.getInteger("tlbscript.blocks", 25);
    ScenarioRun.limits(new Explorer.Limits(150_000, 20_000, Explorer.Limits.DEFAULT.maxMemoryBytes()));
    int compared = 0;
    int symmetric = 0;
    try {
      for (int tries = 0; compared < blocks && tries < 20 * blocks; tries++) {
        int cpus = 3 + rnd.nextInt(2);
        StringBuilder sb = new StringBuilder("kernel " + models[rnd.nextInt(models.length)] + "\ncpus " + cpus
            + "\nmemory " + (rnd.nextBoolean() ? "tso" : "sc") + (rnd.nextInt(4) == 0 ? "\nspeculate on" : "") + "\n");
        sb.append("cpu0 switch mm1\n");
        boolean lazy = rnd.nextBoolean();
        for (int c = 1; c < cpus; c++) {
          sb.append("cpu").append(c).append(" switch mm1\ncpu").append(c).append(" touch mm1 0x2000\n")
              .append(lazy ? "cpu" + c + " switch kernel\n" : "");
        }
        String lane = actions[rnd.nextInt(actions.length)] + (rnd.nextBoolean() ? "; " + actions[rnd.nextInt(actions.length)] : "");
        sb.append("together {\n  cpu0: ").append(actions[rnd.nextInt(actions.length)]).append('\n');
        for (int c = 1; c < cpus; c++) {
          sb.append("  cpu").append(c).append(": ").append(lane).append('\n');
        }
        sb.append("}\n").append(assertionsSplittingOutcomes(cpus));
        Source src = new Source("random-" + tries + ".tlbs", sb.toString());
        List<ScenarioRun.Result> sym = sameVerdicts(src, () -> verified(() -> ScenarioRun.runAll(src, null, false)),
            () -> withoutSymmetry(src));
        if (sym == null) {
          continue;
        }
        symmetric += sym.get(0).output().contains(", symmetry cpu") ? 1 : 0;
        compared++;
      }
    } finally {
      ScenarioRun.limits(Explorer.Limits.DEFAULT);
    }
    assertTrue(compared >= blocks, "only " + compared + " random blocks could be compared");
    assertTrue(symmetric >= blocks * 2 / 5, "only " + symmetric + " of them used symmetry");
  }
}
