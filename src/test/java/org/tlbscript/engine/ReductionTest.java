package org.tlbscript.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.tlbscript.kernels.Access;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Linux420;
import org.tlbscript.kernels.Step;
import org.tlbscript.lang.Source;
import org.tlbscript.session.ScenarioRun;

/**
 * Partial-order reduction loses nothing: every race scenario, under every model it names, has
 * the same outcomes and verdicts with the reduction as without it, and fewer states.
 */
public class ReductionTest {
  /** A result without its figures of states, transitions and time, which the reduction changes. */
  static String verdicts(List<ScenarioRun.Result> results) {
    return results.stream().map(r -> r.name() + " " + r.status() + "\n" + r.output().lines()
        .filter(l -> l.startsWith("together") || l.startsWith("  assert"))
        .map(l -> l.replaceAll("\\d+ states, \\d+ transitions, ", "").replaceAll(", \\d+ ms", "")
            .replaceAll(", (no )?symmetry.*", ""))
        .collect(Collectors.joining("\n"))).collect(Collectors.joining("\n"));
  }

  static long states(List<ScenarioRun.Result> results) {
    return results.stream().flatMap(r -> r.output().lines())
        .map(l -> l.replaceFirst("^together \\(line \\d+\\): (\\d+) states.*", "$1"))
        .filter(l -> l.matches("\\d+")).mapToLong(Long::parseLong).sum();
  }

  static List<ScenarioRun.Result> withoutReduction(Source src) {
    Moves.reduction(false);
    try {
      return ScenarioRun.runAll(src, null, false);
    } finally {
      Moves.reduction(true);
    }
  }

  @TestFactory
  Stream<DynamicTest> everyRaceHasTheSameOutcomesWithAndWithoutReduction() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("scenarios/races"))) {
      List<Path> races = files.filter(p -> p.toString().endsWith(".tlbs")).sorted().toList();
      return races.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
        Source src = new Source(p.toString(), Files.readString(p));
        List<ScenarioRun.Result> reduced = ScenarioRun.runAll(src, null, false);
        List<ScenarioRun.Result> full = withoutReduction(src);
        assertEquals(verdicts(full), verdicts(reduced));
        assertTrue(states(reduced) < states(full), states(reduced) + " vs " + states(full) + " states");
      }));
    }
  }

  /**
   * With speculative walks, the move that ends the block also ends them: a private last step
   * taken alone, or a walk held back until nothing conflicts, would lose the outcomes where a
   * walk fills the paging-structure cache after the unmap (S4, 17 models: 10 outcomes, not 7,
   * under v4.13). The walks that are held back leave far fewer states.
   */
  @Test
  void speculativeWalksKeepEveryOutcomeAndSaveStates() throws IOException {
    String s4 = Files.readString(Path.of("scenarios/races/s04-rik-sb-tso.tlbs"))
        .replace("memory tso\n", "memory tso\nspeculate on\n");
    Source src = new Source("s04-speculative.tlbs", s4);
    List<ScenarioRun.Result> reduced = ScenarioRun.runAll(src, null, false);
    List<ScenarioRun.Result> full = withoutReduction(src);
    assertEquals(verdicts(full), verdicts(reduced));
    assertTrue(states(reduced) * 3 < states(full), states(reduced) + " vs " + states(full) + " states");
  }

  /**
   * Taking the PTE lock is a shared access: a remap that takes it first, taken alone as a private
   * move, would keep the map on the same PTE page from going first (2 outcomes, not 1).
   */
  @Test
  void takingALockAnotherCpuWaitsForIsNotPrivate() {
    Source src = new Source("ptl.tlbs", """
        kernel v6.18
        cpus 2
        memory sc
        cpu0 switch mm1
        cpu1 switch mm1
        cpu1 touch mm1 0x2000
        together {
          cpu0: map mm1 0x3000
          cpu1: remap mm1 0x2000
        }
        """);
    List<ScenarioRun.Result> reduced = sameVerdicts(src, () -> ScenarioRun.runAll(src, null, false),
        () -> withoutReduction(src));
    assertTrue(reduced.get(0).output().contains(", 2 outcomes,"), reduced.get(0).output());
  }

  /** Patches one v4.20 switch_mm_irqs_off step, runs a switch and an unmap: a model bug naming {@code why}. */
  static void assertModelBug(String label, java.util.function.UnaryOperator<Step> patch, String why) {
    KernelModel m = Linux420.model().derive("patched").replace(Linux420.SWITCH_MM, label, patch).build();
    ScenarioRun.Result r = ScenarioRun.runOn(new Source("patched.tlbs",
        "cpus 2\ncpu0 switch mm1\ncpu1 switch mm1\ncpu0 unmap mm1 0x2000\n"), m, false);
    String text = r.output() + r.diagnostics().stream().map(d -> d.render()).collect(Collectors.joining());
    assertEquals(ScenarioRun.Status.MODEL_BUG, r.status(), text);
    assertTrue(text.contains(why), text);
  }

  @Test
  void aModelThatWritesAnotherCpusLoadedMmIsAModelBug() {
    assertModelBug("SW5", s -> s.with("this_cpu_write(loaded_mm, next) on the wrong CPU",
        x -> x.store(x.vars().loadedMm(1 - x.cpu()), 0)), "only the owning CPU may");
  }

  @Test
  void aModelThatSetsAnotherCpusMaskBitIsAModelBug() {
    assertModelBug("SW3c", s -> s.with("cpumask_set_cpu(other cpu, mm_cpumask(next))",
        x -> x.rmwBits(x.vars().cpumask(1), 1L << (1 - x.cpu()), true)), "only the owning CPU may");
  }

  @Test
  void sendingIpisFromAStepNotDeclaredIpiIsAModelBug() {
    assertModelBug("SW5", s -> new Step(s.label(), s.function(), Access.W, s.text(), Step.Type.DO,
        x -> x.sendIpis(0, "flush_tlb_func_remote"), null, null, null, null), "sends IPIs but is declared W");
  }

  @Test
  void aSuccessorsFingerprintSumFollowsFromItsParentsAndTheChangedCells() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int round = 0; round < 1000; round++) {
      long[] parent = new long[1 + rnd.nextInt(700)];
      for (int i = 0; i < parent.length; i++) {
        parent[i] = rnd.nextInt(4) == 0 ? rnd.nextLong() : 0;
      }
      long[] child = parent.clone();
      for (int k = rnd.nextInt(6); k > 0; k--) {
        child[rnd.nextInt(child.length)] = rnd.nextBoolean() ? 0 : rnd.nextLong();
      }
      assertEquals(FingerprintSet.sum(child), FingerprintSet.sumAfter(FingerprintSet.sum(parent), parent, child));
    }
  }

  @Test
  void theFingerprintSetKeepsEveryValueThroughItsGrowth() {
    try (FingerprintSet set = new FingerprintSet()) {
      long initial = set.bytes();
      SplittableRandom rnd = new SplittableRandom(11);
      long[] values = new long[200_000];
      for (int i = 0; i < values.length; i++) {
        values[i] = i == 0 ? 0 : rnd.nextLong(); // 0 is stored as 1
        assertTrue(set.add(values[i]));
      }
      for (long v : values) {
        assertTrue(!set.add(v));
      }
      assertTrue(!set.add(1), "0 and 1 share a slot");
      // at most 80% full, and (staggered doubling) not much emptier than half full on average
      assertTrue(set.bytes() >= values.length * 10L && set.bytes() <= values.length * 8L * 3, set.bytes() + " bytes");
      assertTrue(set.bytes() > initial);
      set.close();
      assertEquals(0, set.bytes());
    }
  }

  /** A together block whose lanes each run one or two random actions. */
  public static String randomBlock(SplittableRandom rnd, int cpus, String[] actions) {
    StringBuilder sb = new StringBuilder("together {\n");
    for (int c = 0; c < cpus; c++) {
      sb.append("  cpu").append(c).append(": ").append(actions[rnd.nextInt(actions.length)]);
      if (rnd.nextBoolean()) {
        sb.append("; ").append(actions[rnd.nextInt(actions.length)]);
      }
      sb.append('\n');
    }
    return sb.append("}\n").toString();
  }

  /** Assertions that split a block's outcomes finely: IPIs, CR3 writes, flushes, laziness, what is loaded. */
  static String assertionsSplittingOutcomes(int cpus) {
    StringBuilder sb = new StringBuilder("assert stale none\nassert freed-walk none\n");
    for (int c = 0; c < cpus; c++) {
      for (int n = 0; n < 3; n++) {
        sb.append("assert sometimes ipis cpu").append(c).append(' ').append(n).append('\n');
      }
      sb.append("assert sometimes cr3 cpu").append(c).append(" 1\nassert sometimes flushes cpu").append(c)
          .append(" full 1\nassert sometimes cpu").append(c).append(" lazy\nassert sometimes cpu").append(c)
          .append(" loaded mm2\n");
    }
    return sb.toString();
  }

  /**
   * Runs {@code src} the reduced way and the full way and checks that the verdicts agree (the
   * figures line past its outcome count aside); returns the reduced results, or null when the
   * block cannot be compared: an action its CPU cannot run there, or a block past the bound.
   */
  static List<ScenarioRun.Result> sameVerdicts(Source src, Supplier<List<ScenarioRun.Result>> reduced,
      Supplier<List<ScenarioRun.Result>> full) {
    List<ScenarioRun.Result> r = reduced.get();
    ScenarioRun.Status st = r.get(0).status();
    if (st == ScenarioRun.Status.INVALID || st == ScenarioRun.Status.INCOMPLETE) {
      return null;
    }
    List<ScenarioRun.Result> f = full.get();
    if (f.get(0).status() == ScenarioRun.Status.INCOMPLETE) {
      return null;
    }
    assertEquals(verdicts(f), verdicts(r), src.text());
    return r;
  }

  /**
   * Random small together blocks (2–3 CPUs, one or two actions a lane, TSO or SC, speculation
   * on or off) under models of every era: the reduction keeps every outcome and verdict. The
   * assertions split the outcomes finely (IPIs, CR3 writes, flushes, laziness, what is loaded).
   * {@code -Dtlbscript.seed=S -Dtlbscript.blocks=N} runs other and more blocks.
   */
  @Test
  void randomBlocksHaveTheSameOutcomesWithAndWithoutReduction() {
    String[] models = {"v4.13", "lazier-2016", "v4.14", "rik-2018-v1", "rik-2018-proposal", "lazier-2018-tip",
        "v4.20", "v5.13", "v6.0", "v6.14", "stable-6.6-misordered", "v6.18"};
    String[] actions = {"switch mm1", "switch mm2", "switch kernel", "touch mm1 0x2000", "touch mm1 0x2000 write",
        "unmap mm1 0x2000", "flush mm1 range 0x2000..0x3000", "protect mm1 0x2000..0x3000", "flush mm1",
        "remap mm1 0x2000", "map mm1 0x3000", "free-tables mm1 0..0x200000", "reclaim mm1 0x2000",
        "collapse mm1 0x2000", "use mm1", "unuse mm1", "leave", "touch mm1 0x3000"};
    SplittableRandom rnd = new SplittableRandom(Long.getLong("tlbscript.seed", 20261125));
    int blocks = Integer.getInteger("tlbscript.blocks", 30);
    ScenarioRun.limits(new Explorer.Limits(150_000, 20_000, Explorer.Limits.DEFAULT.maxMemoryBytes()));
    int compared = 0;
    try {
      for (int tries = 0; compared < blocks && tries < 30 * blocks; tries++) {
        int cpus = 2 + rnd.nextInt(2);
        StringBuilder sb = new StringBuilder("kernel " + models[rnd.nextInt(models.length)] + "\ncpus " + cpus
            + "\nmemory " + (rnd.nextBoolean() ? "tso" : "sc") + (rnd.nextBoolean() ? "\nspeculate on" : "") + "\n");
        for (int c = 0; c < cpus; c++) {
          sb.append("cpu").append(c).append(" switch mm1\n");
        }
        sb.append("cpu1 touch mm1 0x2000\n").append(rnd.nextBoolean() ? "cpu1 switch kernel\n" : "");
        sb.append(randomBlock(rnd, cpus, actions)).append(assertionsSplittingOutcomes(cpus));
        Source src = new Source("random-" + tries + ".tlbs", sb.toString());
        if (sameVerdicts(src, () -> ScenarioRun.runAll(src, null, false), () -> withoutReduction(src)) != null) {
          compared++;
        }
      }
    } finally {
      ScenarioRun.limits(Explorer.Limits.DEFAULT);
    }
    assertTrue(compared >= blocks, "only " + compared + " random blocks could be compared");
  }
}
