package org.tlbscript.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tlbscript.engine.Explorer;
import org.tlbscript.lang.Source;

/**
 * An exploration stopped by a bound says what it found: a violation among the outcomes it
 * reached fails the run (it is real), an assertion that holds on them is incomplete (it proves
 * nothing), and with no outcome reached nothing is judged.
 */
class IncompleteRunTest {
  /** Rik's hole (S4) under the proposal: 177 states in all, the stale use among the last found. */
  static final String S4 = """
      cpus 2
      memory tso
      cpu0 switch mm1
      cpu1 switch mm1
      cpu1 touch mm1 0x2000
      cpu1 switch kernel
      together {
        cpu0: unmap mm1 0x2000
        cpu1: switch mm1; touch mm1 0x2000
      }
      assert stale none
      assert sometimes ipis cpu1 1
      """;

  static ScenarioRun.Result run(String kernel, long maxStates) {
    return ScenarioRun.runAll(new Source("s4.tlbs", "kernel " + kernel + "\n" + S4), null, false,
        // one thread: what a bound of a few states leaves found must not depend on timing
        new Explorer.Limits(maxStates, 60_000, Explorer.Limits.DEFAULT.maxMemoryBytes()).withWorkers(1)).get(0);
  }

  static String messages(ScenarioRun.Result r) {
    return r.diagnostics().stream().map(d -> d.render()).collect(Collectors.joining());
  }

  @AfterEach
  void breadthFirstAgain() {
    Explorer.breadthFirstLimit(300_000);
  }

  @Test
  void aViolationFoundBeforeTheBoundFailsWithItsCounterexample() {
    ScenarioRun.Result r = run("rik-2018-proposal", 150);
    assertEquals(ScenarioRun.Status.FAILED, r.status(), r.output() + messages(r));
    assertTrue(messages(r).matches("(?s).*assertion failed: does not hold in \\d+ of \\d+ outcomes? found: expected no "
        + "use of a stale translation, but cpu1 used a stale TLB entry for 0x2000 \\(violation found; exploration "
        + "incomplete after \\d+ states, stopped at the state limit of 150\\).*"), messages(r));
    assertTrue(r.output().contains("  counterexample ("), r.output());
    assertTrue(messages(r).matches("(?s).*no witness in the \\d+ outcomes? found.*"), messages(r));
  }

  @Test
  void assertionsThatHoldOnWhatWasFoundAreIncompleteNotPassed() {
    Explorer.breadthFirstLimit(1); // depth first: outcomes come early
    ScenarioRun.Result r = run("v4.20", 100);
    assertEquals(ScenarioRun.Status.INCOMPLETE, r.status(), r.output() + messages(r));
    List<String> heads = r.diagnostics().stream().map(d -> d.headline()).toList();
    assertTrue(heads.size() >= 2, heads.toString());
    assertTrue(heads.get(0).matches("s4.tlbs:8:1: error: exploration incomplete after \\d+ states, stopped at "
        + "the state limit of 100; \\d+ outcomes? found so far: the assertions that follow judge those"), heads.get(0));
    assertTrue(heads.get(1).matches("s4.tlbs:12:1: error: no violation in the \\d+ outcomes? found; .*"), heads.get(1));
    assertTrue(r.output().contains("  assert stale none   so far Always"), r.output());
  }

  @Test
  void withNoOutcomeReachedNothingIsJudged() {
    ScenarioRun.Result r = run("v4.20", 30);
    assertEquals(ScenarioRun.Status.INCOMPLETE, r.status());
    assertEquals(1, r.diagnostics().size(), messages(r));
    assertTrue(messages(r).contains("no outcome found, so nothing can be judged"), messages(r));
  }
}
