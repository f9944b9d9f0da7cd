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
class ReductionTest {
  /** A result without its figures of states, transitions and time, which the reduction changes. */
  static String verdicts(List<ScenarioRun.Result> results) {
    return results.stream().map(r -> r.name() + " " + r.status() + "\n" + r.output().lines()
        .filter(l -> l.startsWith("together") || l.startsWith("  assert"))
        .map(l -> l.replaceAll("\\d+ states, \\d+ transitions, ", "").replaceAll(", \\d+ ms", ""))
        .collect(Collectors.joining("\n"))).collect(Collectors.joining("\n"));
  }

  static long states(List<ScenarioRun.Result> results) {
    return results.stream().flatMap(r -> r.output().lines())
        .map(l -> l.replaceFirst("^together \\(line \\d+\\): (\\d+) states.*", "$1"))
        .filter(l -> l.matches("\\d+")).mapToLong(Long::parseLong).sum();
  }

  @TestFactory
  Stream<DynamicTest> everyRaceHasTheSameOutcomesWithAndWithoutReduction() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("scenarios/races"))) {
      List<Path> races = files.filter(p -> p.toString().endsWith(".tlbs")).sorted().toList();
      return races.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
        Source src = new Source(p.toString(), Files.readString(p));
        List<ScenarioRun.Result> reduced = ScenarioRun.runAll(src, null, false);
        List<ScenarioRun.Result> full;
        Explorer.reduction(false);
        try {
          full = ScenarioRun.runAll(src, null, false);
        } finally {
          Explorer.reduction(true);
        }
        assertEquals(verdicts(full), verdicts(reduced));
        assertTrue(states(reduced) < states(full), states(reduced) + " vs " + states(full) + " states");
      }));
    }
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
      assertEquals(Explorer.sum(child), Explorer.sumAfter(Explorer.sum(parent), parent, child));
    }
  }

  @Test
  void theFingerprintSetKeepsEveryValueThroughItsGrowth() {
    Explorer.FingerprintSet set = new Explorer.FingerprintSet();
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
  }
}
