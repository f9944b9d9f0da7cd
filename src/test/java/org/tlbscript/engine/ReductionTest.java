package org.tlbscript.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
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
}
