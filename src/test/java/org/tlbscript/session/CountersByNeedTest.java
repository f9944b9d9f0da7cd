package org.tlbscript.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.tlbscript.hw.Counter;
import org.tlbscript.lang.Parser;
import org.tlbscript.lang.Source;

/**
 * A run keeps only the observation counters its file asks about: states that differ only in an
 * IPI count nobody asserts are one state, and the verdicts stay.
 */
class CountersByNeedTest {
  static final String BLOCK = """
      kernel v6.18
      cpus 2
      cpu0 switch mm1
      cpu0 touch mm1 0x2000
      cpu1 switch mm2
      together {
        cpu0: remap mm1 0x2000; remap mm1 0x2000
        cpu1: switch mm1; touch mm1 0x2000; switch mm2; switch mm1; touch mm1 0x2000; switch mm2
      }
      assert stale none
      """;

  static long states(ScenarioRun.Result r) {
    assertEquals(ScenarioRun.Status.PASSED, r.status(), r.output() + r.diagnostics());
    return Long.parseLong(r.output().replaceFirst("(?s)^together \\(line \\d+\\): (\\d+) states.*", "$1"));
  }

  @Test
  void countersNobodyAsksAboutDoNotMultiplyStates() {
    Source src = new Source("c.tlbs", BLOCK);
    long needed = states(ScenarioRun.run(src, null, false));
    // a watched run keeps every counter, as compare and the REPL do
    long all = states(Watch.run(src, org.tlbscript.kernels.Models.find("v6.18").orElseThrow(), (s, st, o) -> { }));
    assertTrue(needed * 3 < all * 2, needed + " states with the counters the file reads, " + all + " with all");
  }

  @Test
  void whatAFileReads() {
    assertEquals(EnumSet.noneOf(Counter.class), read(BLOCK));
    assertEquals(EnumSet.of(Counter.IPIS_TAKEN, Counter.PARTIAL_FLUSHES),
        read(BLOCK + "on v6.18 assert ipis cpu1 1\nassert sometimes flushes cpu1 partial 1\n"));
    assertEquals(Counter.ALL, read(BLOCK + "show cpu1\n"));
  }

  static java.util.Set<Counter> read(String text) {
    return Session.countersReadBy(Parser.parse(new Source("c.tlbs", text)).statements());
  }
}
