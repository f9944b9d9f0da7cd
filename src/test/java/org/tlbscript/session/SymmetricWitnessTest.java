package org.tlbscript.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tlbscript.engine.Moves;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Linux420;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Checker;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Parser;
import org.tlbscript.lang.Source;

/**
 * With symmetry, the explorer visits one state of each set that differ by renaming CPUs; the
 * outcomes it did not visit are renamings of those it did, reached by the renamed moves. Each
 * such outcome's witness replays to it, and a counterexample for one CPU replays even when the
 * exploration only saw the other CPU do it.
 */
class SymmetricWitnessTest {
  /** v4.19 without its flush IPIs: CPUs running mm1 keep their entries after an unmap. */
  static final KernelModel NO_IPI = Models.find("v4.19").orElseThrow().derive("v4.19-no-flush-ipi")
      .drop(Linux420.OTHERS, "F9").build();

  static final String TWO_TOUCHERS = """
      cpus 3
      cpu0 switch mm1
      cpu1 switch mm1
      cpu1 touch mm1 0x2000
      cpu2 switch mm1
      cpu2 touch mm1 0x2000
      together {
        cpu0: unmap mm1 0x2000
        cpu1: touch mm1 0x2000; switch mm2
        cpu2: touch mm1 0x2000; switch mm2
      }
      """;

  static Session session(String text, KernelModel model) {
    Parser.Result parsed = Parser.parse(new Source("s.tlbs", text));
    Session s = new Session(model, Checker.check(parsed.statements(), Models.names()).setup());
    s.trace(false);
    for (Ast.Stmt st : parsed.statements()) {
      s.execute(st);
    }
    return s;
  }

  @Test
  void everyOutcomeReplaysFromItsWitness() {
    assertEveryOutcomeReplays(session(TWO_TOUCHERS, Models.find("v4.19").orElseThrow()));
  }

  /** Depth first (past a tiny frontier) keeps a path per outcome instead of parents: the same. */
  @Test
  void everyOutcomeFoundDepthFirstReplaysToo() {
    org.tlbscript.engine.Explorer.breadthFirstLimit(3);
    try {
      Session s = session(TWO_TOUCHERS, Models.find("v4.19").orElseThrow());
      assertTrue(!s.worlds.get(0).witness().result().shortest, "explored depth first");
      assertEveryOutcomeReplays(s);
    } finally {
      org.tlbscript.engine.Explorer.breadthFirstLimit(300_000);
    }
  }

  static void assertEveryOutcomeReplays(Session s) {
    int renamed = 0;
    for (Races.World w : s.worlds) {
      Races.Witness x = w.witness();
      Machine m = x.start().copy();
      Moves moves = new Moves(s.engine(), false);
      for (int mv : x.result().path(x.state())) {
        moves.apply(m, mv, x.lanes(), null);
      }
      assertEquals(w.machine(), m, "outcome reached by " + x.state());
      renamed += x.state().renaming() != 0 ? 1 : 0;
    }
    assertTrue(s.worlds.size() > 1 && renamed > 0, s.worlds.size() + " outcomes, " + renamed + " renamed");
  }

  @Test
  void aStaleUseOfEitherCpuHasACounterexampleThatReplays() {
    for (String cpu : List.of("cpu1", "cpu2")) {
      ScenarioRun.Result r = ScenarioRun.runOn(new Source("t.tlbs", TWO_TOUCHERS + "assert stale none\n"
          + "assert sometimes stale " + cpu + " 0x2000\n"), NO_IPI, false);
      assertTrue(r.output().contains("symmetry cpu1 cpu2 (2 renamings)"), r.output());
      String out = r.output().substring(r.output().indexOf("assert sometimes"));
      String script = out.substring(out.indexOf("replay script")).lines().skip(1)
          .map(l -> l.replaceFirst("^    ", "")).collect(Collectors.joining("\n")) + "\n";
      assertTrue(script.endsWith("assert stale " + cpu + " 0x2000\n"), script);
      script = script.replace("kernel v4.19-no-flush-ipi\n", ""); // the patched model is not registered
      ScenarioRun.Result replay = ScenarioRun.runOn(new Source("replay.tlbs", script), NO_IPI, false);
      assertEquals(ScenarioRun.Status.PASSED, replay.status(), script
          + replay.diagnostics().stream().map(Diagnostic::render).collect(Collectors.joining()));
    }
  }
}
