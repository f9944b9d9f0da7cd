package org.tlbscript.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.tlbscript.lang.Source;
import org.tlbscript.litmus.LitmusParser;

/**
 * A load its own store buffer serves is not private: the entry may drain first and another
 * CPU's store land before the load (the reduction once took it alone and answered Never).
 */
class OwnStoreThenLoadTest {
  static final String OWN = """
      X86 own-store-then-load
      { }
       P0          | P1         ;
       MOV [x],$1  | MOV [x],$2 ;
       MOV EAX,[x] |            ;
      exists (0:EAX=2)
      """;

  @Test
  void theLoadCanReadAnotherCpusLaterStoreUnderTsoAsUnderSc() {
    Litmus.Test t = LitmusParser.parse(new Source("own.litmus", OWN));
    for (boolean tso : new boolean[] {true, false}) {
      Litmus.Run reduced = Litmus.run(t, tso);
      assertEquals(Litmus.Verdict.Sometimes, reduced.verdict(), Litmus.report(t, reduced));
      assertEquals(Reductions.off(() -> Litmus.run(t, tso)).outcomes(), reduced.outcomes());
    }
  }

  @Test
  void nineBufferedStoresAreAllStillBufferedWhenTheLoadAfterThemRuns() {
    // 0:EAX=0 puts P0's load before P1's x=1 drains; 1:EBX=0 puts P1's load (after its fence)
    // before any y store drains: all nine are still in P0's buffer. An 8-entry buffer that
    // drained its oldest entry on the ninth store answered Never.
    StringBuilder rows = new StringBuilder();
    String[] p1 = {"MOV [x],$1", "MFENCE", "MOV EBX,[y]"};
    for (int i = 0; i < 10; i++) {
      rows.append(i < 9 ? " MOV [y],$" + (i + 1) : " MOV EAX,[x]").append(" | ")
          .append(i < p1.length ? p1[i] : "").append(" ;\n");
    }
    Litmus.Test t = LitmusParser.parse(new Source("nine.litmus",
        "X86 nine-stores\n{ }\n P0 | P1 ;\n" + rows + "exists (0:EAX=0 /\\ 1:EBX=0)\n"));
    assertEquals(Litmus.Verdict.Sometimes, Litmus.run(t, true).verdict());
    assertEquals(Litmus.Verdict.Never, Litmus.run(t, false).verdict());
  }
}
