package org.tlbscript.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Linux420;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Source;

/** Together blocks: Rik's store-buffering hole (S4), verdicts, counterexamples that replay. */
class RacesTest {
  static final String S4 = """
      kernel v4.20
      cpus 2
      memory MEMORY
      cpu0 switch mm1
      cpu1 switch mm1
      cpu1 touch mm1 0x2000
      cpu1 switch kernel
      together {
        cpu0: unmap mm1 0x2000
        cpu1: switch mm1; touch mm1 0x2000
      }
      """;

  /** v4.20 without the smp_mb() between the is_lazy store and the tlb_gen load (SW2c). */
  static final KernelModel NO_BARRIER = Linux420.model().derive("v4.20-no-smp_mb")
      .drop(Linux420.SWITCH_MM, "SW2c").build();

  static ScenarioRun.Result run(String text, KernelModel model) {
    return ScenarioRun.runOn(new Source("s4.tlbs", text), model, false);
  }

  static String diagnostics(ScenarioRun.Result r) {
    return r.diagnostics().stream().map(Diagnostic::render).collect(Collectors.joining()) + r.output();
  }

  @Test
  void withTheBarrierNoInterleavingLeavesAStaleEntryEvenUnderTso() {
    ScenarioRun.Result r = run(S4.replace("MEMORY", "tso") + "assert stale none\n", Linux420.model());
    assertEquals(ScenarioRun.Status.PASSED, r.status(), diagnostics(r));
    assertTrue(r.output().contains("assert stale none   Always"), r.output());
  }

  @Test
  void withoutTheBarrierTheStaleUseIsReachableUnderTsoOnly() {
    ScenarioRun.Result tso = run(S4.replace("MEMORY", "tso") + "assert sometimes stale cpu1 0x2000\n", NO_BARRIER);
    assertEquals(ScenarioRun.Status.PASSED, tso.status(), diagnostics(tso));
    ScenarioRun.Result sc = run(S4.replace("MEMORY", "sc") + "assert stale none\n", NO_BARRIER);
    assertEquals(ScenarioRun.Status.PASSED, sc.status(), diagnostics(sc));
  }

  @Test
  void depthFirstFindsTheSameOutcomesAndItsCounterexampleReplaysToo() {
    ScenarioRun.Result bfs = run(S4.replace("MEMORY", "tso") + "assert stale none\n", NO_BARRIER);
    org.tlbscript.engine.Explorer.breadthFirstLimit(3);
    try {
      ScenarioRun.Result dfs = run(S4.replace("MEMORY", "tso") + "assert stale none\n", NO_BARRIER);
      // the same states; the moves tried may differ when workers hand states to one another
      assertEquals(bfs.output().substring(0, bfs.output().indexOf(" states")),
          dfs.output().substring(0, dfs.output().indexOf(" states")), "same states explored");
      assertTrue(dfs.output().contains("found depth first"), dfs.output());
      String script = dfs.output().substring(dfs.output().indexOf("replay script")).lines().skip(1)
          .map(l -> l.replaceFirst("^    ", "")).collect(Collectors.joining("\n")) + "\n";
      script = script.replace("kernel v4.20-no-smp_mb\n", "");
      ScenarioRun.Result replay = ScenarioRun.runOn(new Source("replay.tlbs", script), NO_BARRIER, false);
      assertEquals(ScenarioRun.Status.PASSED, replay.status(), script + diagnostics(replay));
    } finally {
      org.tlbscript.engine.Explorer.breadthFirstLimit(300_000);
    }
  }

  @Test
  void aFailedAlwaysAssertionPrintsACounterexampleThatReplays() {
    ScenarioRun.Result r = run(S4.replace("MEMORY", "tso") + "assert stale none\n", NO_BARRIER);
    assertEquals(ScenarioRun.Status.FAILED, r.status());
    String out = r.output();
    assertTrue(out.contains("counterexample ("), out);
    assertTrue(out.contains("SW1 W is_lazy[cpu1] := 0 (buffered)"), out);
    assertTrue(out.contains("used a stale TLB entry for 0x2000"), out);
    String script = out.substring(out.indexOf("replay script")).lines().skip(1)
        .map(l -> l.replaceFirst("^    ", "")).collect(Collectors.joining("\n")) + "\n";
    assertTrue(script.endsWith("assert stale cpu1 0x2000\n"), script);
    assertTrue(script.contains("cpu1 begin switch mm1"), script);
    assertTrue(script.startsWith("kernel v4.20-no-smp_mb\n"), script);
    script = script.replace("kernel v4.20-no-smp_mb\n", ""); // the patched model is not registered
    ScenarioRun.Result replay = ScenarioRun.runOn(new Source("replay.tlbs", script), NO_BARRIER, false);
    assertEquals(ScenarioRun.Status.PASSED, replay.status(), script + diagnostics(replay));
    ScenarioRun.Result onFixed = ScenarioRun.runOn(new Source("replay.tlbs", script), Linux420.model(), false);
    // the script names v4.20-no-smp_mb's steps: on v4.20 it no longer reproduces the stale use
    assertNotEquals(ScenarioRun.Status.PASSED, onFixed.status());
  }

  /**
   * A self-check that fails inside an exploration names the interleaving that reached it, with a
   * replay script that reaches it again. The model here drops do_anonymous_page's page-table
   * lock, so two CPUs faulting on one page both install a page, and one keeps a TLB entry for
   * the page the other overwrote.
   */
  @Test
  void aModelBugFoundByExplorationPrintsTheInterleavingThatReachesIt() throws Exception {
    KernelModel unlocked = Linux420.model().derive("v4.20-fault-without-ptl").replace("user_access", "UA5",
        st -> st.with("set_pte_at(pte := new page) without the page-table lock", x -> {
          int page = x.hw().layout.page(x.get(new org.tlbscript.kernels.Local("va", 1)));
          x.storePte((int) x.get(new org.tlbscript.kernels.Local("mm", 0)), page,
              org.tlbscript.hw.Machine.pte(x.allocPfn(), true));
        })).build();
    String text = java.nio.file.Files.readString(java.nio.file.Path.of(
        "scenarios/races/s04-two-lazy-cpus-fault-together.tlbs")).replace("kernel all\n", "");
    text = text.substring(0, text.indexOf("on rik-2018-proposal"));
    ScenarioRun.Result r = run(text, unlocked);
    assertEquals(ScenarioRun.Status.MODEL_BUG, r.status(), diagnostics(r));
    assertTrue(diagnostics(r).contains("I-gen"), diagnostics(r));
    String out = r.output();
    assertTrue(out.contains("the interleaving that reaches it ("), out);
    String script = out.substring(out.indexOf("replay script")).lines().skip(1)
        .map(l -> l.replaceFirst("^    ", "")).collect(Collectors.joining("\n")) + "\n";
    script = script.replace("kernel v4.20-fault-without-ptl\n", "");
    ScenarioRun.Result replay = ScenarioRun.runOn(new Source("replay.tlbs", script), unlocked, false);
    assertEquals(ScenarioRun.Status.MODEL_BUG, replay.status(), script + diagnostics(replay));
    // with the lock, the second fault finds the first one's PTE: the script no longer gets there
    assertNotEquals(ScenarioRun.Status.MODEL_BUG,
        ScenarioRun.runOn(new Source("replay.tlbs", script), Linux420.model(), false).status());
  }

  @Test
  void theTimelineShowsIpisInFlightToTheCpuOfEachRow() {
    // two flushers and a switcher that must take both IPIs: one waits while the other is taken
    ScenarioRun.Result r = ScenarioRun.run(new Source("inflight.tlbs", """
        kernel v4.20
        cpus 3
        cpu0 switch mm1
        cpu1 switch mm1
        cpu2 switch mm1
        together {
          cpu0: flush mm1 all
          cpu2: flush mm1 all
          cpu1: switch mm2
        }
        assert sometimes ipis cpu1 2
        """), null, false);
    assertEquals(ScenarioRun.Status.PASSED, r.status(), diagnostics(r));
    String witness = r.output().substring(r.output().indexOf("witness ("), r.output().indexOf("replay script"));
    // cpu2 sends its IPIs while cpu0's waits for it; cpu1 switches with cpu0's pending
    assertTrue(witness.contains("F9 IPI IPI → {cpu0 cpu1} [ipi from cpu0]"), witness);
    assertTrue(witness.lines().filter(l -> l.contains("[ipi from")).count() > 5, witness);
  }
}
