package org.tlbscript.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlbscript.lang.Source;
import org.tlbscript.session.ScenarioRun;

/** Every colon command, over piped input. */
class ReplCommandsTest {
  @TempDir
  Path dir;

  static ReplTest.Result repl(String input) throws Exception {
    return ReplTest.repl(input);
  }

  static final String LAZY = "cpus 2\npcid off\ncpu0 switch mm1\ncpu1 switch mm1\ncpu1 touch mm1 0x2000 write\n"
      + "cpu1 switch kernel\ncpu0 protect mm1 0x2000\n";

  @Test
  void helpHasTopicsAndUnknownCommandsGetADidYouMean() throws Exception {
    ReplTest.Result r = repl(":help\n:help races\n:help race\n:sav x\n:stat\n");
    assertTrue(r.out().contains(":save FILE [--assert] [--force]"), r.out());
    assertTrue(r.out().contains("together {"), r.out());
    assertTrue(r.out().contains("no help on 'race' (did you mean races?)"), r.out());
    assertTrue(r.out().contains("unknown command :sav (did you mean :save?)"), r.out());
    assertTrue(r.out().contains("unknown command :stat (did you mean :state?)"), r.out());
    assertEquals(3, r.exit());
  }

  @Test
  void stateAndTrace() throws Exception {
    ReplTest.Result r = repl(":trace on\ncpu0 switch mm1\n:trace off\ncpu1 switch mm1\n:state\n:trace maybe\n");
    assertTrue(r.out().contains("cpu0 switch_mm_irqs_off:"), r.out());
    assertFalse(r.out().contains("cpu1 switch_mm_irqs_off:"), r.out());
    assertTrue(r.out().contains("{cpu0 cpu1}"), r.out());
    assertTrue(r.out().contains("usage: :trace on|off"), r.out());
  }

  @Test
  void undoRestoresTheStateByReplay() throws Exception {
    ReplTest.Result r = repl("cpu0 switch mm1\ncpu1 switch mm1\ncpu1 switch kernel\nassert cpu1 lazy\n"
        + ":undo 2\nassert cpu1 not lazy\nassert cpu1 loaded mm1\n:undo 5\n:undo\n:reset\nassert cr3 cpu0 0\n");
    assertTrue(r.out().contains("undid 2 statements:\n  cpu1 switch kernel\n  assert cpu1 lazy\n"), r.out());
    assertTrue(r.out().contains("nothing to undo"), r.out());
    assertEquals(0, r.exit(), r.out());
  }

  @Test
  void kernelReplaysUnderAnotherModelAndShowsTheDifference() throws Exception {
    ReplTest.Result r = repl("kernel v4.19\n" + LAZY + "assert ipis cpu1 1\n:kernel v4.20\nshow cpu1\n:kernel v9\n");
    assertTrue(r.out().contains("kernel v4.20 (was v4.19)"), r.out());
    assertTrue(r.out().matches("(?s).*cpu1\\s+1 → 0.*"), r.out());
    assertTrue(r.out().contains("  assert ipis cpu1 1\n    now fails: assertion failed"), r.out());
    assertTrue(r.out().contains("unknown kernel model 'v9'"), r.out());
  }

  @Test
  void saveWritesAScenarioThatRunsAndRefusesToOverwrite() throws Exception {
    Path f = dir.resolve("s.tlbs");
    ReplTest.Result r = repl(LAZY + "show cpu1\n:save " + f + " --assert\n:save " + f + "\n");
    assertTrue(r.out().contains("(tlbscript run: passed)"), r.out());
    assertTrue(r.out().contains("exists; `:save " + f + " --force` overwrites it"), r.out());
    String text = Files.readString(f);
    assertTrue(text.contains("assert ipis cpu1 0\n") && text.contains("assert cpu1 lazy\n")
        && text.contains("assert stale none\n") && text.contains("kernel v4.20\n"), text);
    assertFalse(text.contains("show"), text);
    ScenarioRun.Result run = ScenarioRun.run(new Source(f.toString(), text), null, false);
    assertEquals(ScenarioRun.Status.PASSED, run.status(), run.diagnostics().toString());
  }

  @Test
  void loadRunsAFileAndReportsErrorsWithTheFilePosition() throws Exception {
    Path good = dir.resolve("good.tlbs");
    Files.writeString(good, "cpu0 switch mm1\ncpu1 switch mm1\n");
    Path bad = dir.resolve("bad.tlbs");
    Files.writeString(bad, "cpu0 touch mm1 0x2000\ncpu1 touch mm2 0x2000\n");
    ReplTest.Result r = repl(":load " + good + "\n:load " + bad + "\n:load " + dir.resolve("none") + "\n"
        + "assert mask mm1 {cpu0 cpu1}\n");
    assertTrue(r.out().contains("loaded " + good + ": 2 statements kept"), r.out());
    assertTrue(r.out().contains(bad + ":2:"), r.out());
    assertTrue(r.out().contains("loaded " + bad + ": 1 statement kept"), r.out());
    assertTrue(r.out().contains("no such file"), r.out());
    assertFalse(r.out().contains("at org."), r.out());
  }

  @Test
  void loadingAnUnreadableFileIsAnErrorAndTheSessionGoesOn() throws Exception {
    Path latin1 = Files.write(dir.resolve("latin1.tlbs"), "cpu0 switch mm1 # \u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
    Path binary = Files.write(dir.resolve("binary.tlbs"), new byte[] {'c', 'p', 'u', 0});
    ReplTest.Result r = repl("cpu0 switch mm1\n:load " + latin1 + "\n:load " + binary + "\n:load " + dir + "\n"
        + ":load /dev/null\n:load a\u0000b\ncpu1 switch mm1\nassert mask mm1 {cpu0 cpu1}\n");
    assertTrue(r.out().contains(latin1 + ": error: not UTF-8 text (invalid byte 0xe9 at offset 18)\n"), r.out());
    assertTrue(r.out().contains(binary + ": error: binary file (NUL byte at offset 3)\n"), r.out());
    assertTrue(r.out().contains(dir + ": error: is a directory\n"), r.out());
    assertTrue(r.out().contains("/dev/null: error: not a regular file (a device, pipe or socket)\n"), r.out());
    assertTrue(r.out().contains("error: not a valid file name: a\u2400b\n"), r.out());
    assertFalse(r.out().contains("internal error") || r.out().contains("Exception"), r.out());
    // the statements around them ran: the mask assertion held
    assertFalse(r.out().contains("assertion failed"), r.out());
    assertEquals(3, r.exit());
  }

  @Test
  void exploreFindsTheS4RaceFromAHandSteppedState() throws Exception {
    ReplTest.Result r = repl("kernel rik-2018-proposal\ncpus 2\ncpu0 switch mm1\ncpu1 switch mm1\n"
        + "cpu1 touch mm1 0x2000\ncpu1 switch kernel\ncpu0 begin unmap mm1 0x2000\ncpu1 begin switch mm1\n"
        + "cpu1 step to SW2\n:steps\n:explore\n");
    assertTrue(r.out().contains("can step: cpu0 cpu1"), r.out());
    assertTrue(r.out().contains("cpu1  next switch_mm_irqs_off:SW2"), r.out());
    assertTrue(r.out().contains("assert stale none   Sometimes"), r.out());
    assertTrue(r.out().contains("counterexample"), r.out());
    assertTrue(r.out().contains("assert stale cpu1"), r.out());
    // under 4.20 the same state is safe
    ReplTest.Result safe = repl("kernel v4.20\ncpus 2\ncpu0 switch mm1\ncpu1 switch mm1\n"
        + "cpu1 touch mm1 0x2000\ncpu1 switch kernel\ncpu0 begin unmap mm1 0x2000\ncpu1 begin switch mm1\n:explore\n");
    assertTrue(safe.out().contains("no interleaving lets a CPU use a stale entry"), safe.out());
  }

  @Test
  void aTogetherBlockContinuesOverPipedLines() throws Exception {
    ReplTest.Result r = repl("cpu0 switch mm1\ncpu1 switch mm1\ncpu1 touch mm1 0x2000\ncpu1 switch kernel\n"
        + "together {\n  cpu0: unmap mm1 0x2000\n  cpu1: switch mm1; touch mm1 0x2000\n}\nassert stale none\n");
    assertTrue(r.out().contains("together (line 5)"), r.out());
    assertEquals(0, r.exit(), r.out());
  }
}
