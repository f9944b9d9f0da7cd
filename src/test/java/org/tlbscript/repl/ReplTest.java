package org.tlbscript.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The REPL over plain piped lines: state kept across lines, errors survived, batch exit codes. */
class ReplTest {
  record Result(int exit, String out) {}

  static Result repl(String input) throws Exception {
    StringWriter out = new StringWriter();
    Repl r = new Repl(Repl.plainInput(new BufferedReader(new StringReader(input))),
        new PrintWriter(out), null, false);
    int exit = r.run();
    return new Result(exit, out.toString());
  }

  @Test
  void stateIsKeptAcrossLinesEvenWhenTheMachineGrows() throws Exception {
    // line 4 names a new page and a new CPU: the machine is rebuilt by replaying lines 1-3
    Result r = repl("cpu0 switch mm1\ncpu0 touch mm1 0x2000\ncpu1 switch mm1\ncpu1 touch mm1 0x5000\n"
        + "cpu0 unmap mm1 0x5000\nassert ipis cpu1 1\nassert gen mm1 1\nshow mm1\n");
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("mm1: ctx_id 2, tlb_gen 1, mm_cpumask {cpu0 cpu1}"), r.out());
  }

  /**
   * A page already in the machine, named in another mm, gives that mm a range for `flush mmX
   * range` without addresses: the session is rebuilt for it (it was not, and the flush failed
   * with a NullPointerException; found by FuzzTest).
   */
  @Test
  void aFlushWithoutAddressesCoversAPageFirstNamedInAnotherMm() throws Exception {
    Result r = repl("cpu2 switch mm3\ncpu1 protect mm2 0x2000\ncpu2 flush mm3 range 0x2000\ncpu0 flush mm3 range\n"
        + "assert flushes cpu2 partial 2\n");
    assertFalse(r.out().contains("internal error") || r.out().contains("Exception"), r.out());
    assertEquals("", r.out());
    assertEquals(0, r.exit());
  }

  @Test
  void anErrorIsReportedAndTheSessionGoesOn() throws Exception {
    Result r = repl("cpu0 switch mm1\ncpu0 swich mm2\ncpu1 touch mm1 0x2000\ncpu0 touch mm1 0x2000\n"
        + "assert stale none\n");
    assertTrue(r.out().contains("<stdin>:2:6: error: unexpected 'swich'"), r.out());
    assertTrue(r.out().contains("did you mean 'switch'?"), r.out());
    assertTrue(r.out().contains("<stdin>:3:1: error: cpu1 does not run mm1"), r.out());
    assertEquals(3, r.exit());
  }

  @Test
  void aHeaderAfterTheFirstActionIsAnErrorWithTheCommandThatDoesIt() throws Exception {
    Result r = repl("cpus 2\ncpu0 switch mm1\npcid off\nkernel v4.19\ncpu1 switch mm1\nassert cr3 cpu1 1\n");
    assertTrue(r.out().contains("<stdin>:3:1: error: header line `pcid off` after the first action (line 2)\n"
        + "  pcid off\n  ^~~~~~~~\n  hint: header lines (kernel, cpus, pcid, ceiling, memory, speculate) come before the"
        + " first statement that runs: `:reset` starts over, then type `pcid off` first"), r.out());
    assertTrue(r.out().contains("<stdin>:4:1: error: header line `kernel v4.19` after the first action (line 2)\n"
        + "  kernel v4.19\n  ^~~~~~~~~~~~\n  hint: `:kernel v4.19` replays the session under v4.19\n"), r.out());
    // neither was kept: the session goes on under v4.20 with PCID, and the assertion holds
    assertFalse(r.out().contains("assertion failed"), r.out());
    assertEquals(3, r.exit());
  }

  /** An open together block reads on only while more lines could complete it. */
  @Test
  void aBrokenBlockIsReportedAtOnceNotAfterTheRestOfTheInput() throws Exception {
    Result r = repl("cpu0 switch mm2\ntogether {\n  cpu0 unmap mm1 0x2000\ncpu0 switch mm1\nassert cpu0 loaded mm1\n");
    assertTrue(r.out().contains("<stdin>:3:8: error: unexpected 'unmap', expected ':'"), r.out());
    assertFalse(r.out().contains("assertion failed"), r.out()); // line 4 ran, not swallowed by the block
    // thousands of lines that never complete a block: each is reported, in linear time
    long t0 = System.nanoTime();
    Result many = repl("together {\n".repeat(3000) + "cpu0 switch mm1\nassert cpu0 loaded mm1\n");
    assertTrue((System.nanoTime() - t0) / 1_000_000_000 < 10, "took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    assertTrue(many.out().contains("<stdin>:3000:1: error:"), many.out().substring(0, 300));
    assertFalse(many.out().contains("assertion failed"));
  }

  @Test
  void aFailedAssertionIsNotKeptAndGivesExitCodeOne() throws Exception {
    Result r = repl("cpu0 switch mm1\nassert cpu0 lazy\nassert cpu0 loaded mm1\n");
    assertTrue(r.out().contains("<stdin>:2:1: error: assertion failed: expected cpu0 to be lazy"), r.out());
    assertEquals(1, r.exit());
  }
}
