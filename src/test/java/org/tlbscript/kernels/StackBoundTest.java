package org.tlbscript.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Source;
import org.tlbscript.session.ScenarioRun;

/** The call stack is sized by the model's code: the deepest chain, or a handler on the deepest interruptible point. */
class StackBoundTest {
  static Routine routine(String name, boolean irqsOff, int locals, String callee) {
    Routine.Builder r = Routine.builder(name);
    if (irqsOff) {
      r.irqsOff();
    }
    for (int i = 0; i < locals; i++) {
      r.local("v" + i);
    }
    if (callee != null) {
      r.call("C1", "call " + callee, callee, x -> new long[0]);
    } else {
      r.step("S1", Access.P, "work", x -> { });
    }
    return r.build();
  }

  @Test
  void aHandlerOnTheDeepestInterruptiblePointOrTheDeepestChain() {
    int h = KernelModel.FRAME_HEADER;
    KernelModel m = KernelModel.builder("plain")
        .routine(routine("outer", false, 2, "inner"))   // interrupts on: outer + inner
        .routine(routine("inner", false, 3, null))
        .routine(routine("locked", true, 1, "deep"))     // interrupts off: locked + deep, no handler on top
        .routine(routine("deep", true, 20, null))
        .routine(routine("handler", true, 5, null))
        .build();
    int interruptible = (h + 2) + (h + 3);
    int handlerChain = (h + 1) + (h + 20); // the deepest routine run with interrupts off
    assertEquals(Math.max(interruptible + handlerChain, handlerChain), m.stackBound());
  }

  @Test
  void everyModelsBoundHoldsItsDeepestScenarioAndIsBelowTheOldFixedSize() {
    for (KernelModel m : Models.all()) {
      assertTrue(m.stackBound() >= 40 && m.stackBound() < 80, m.name + ": " + m.stackBound());
    }
    // exit_mm's zap and free path, with an IPI handler taken inside its flush: no overflow
    String text = "cpus 2\ncpu0 switch mm1\ncpu1 switch mm1\ncpu0 touch mm1 0x2000\ncpu1 switch mm2\n"
        + "cpu0 free-tables mm1 0x0..0x200000\ncpu0 switch mm2\ncpu1 switch mm1\ncpu1 exit mm1\n";
    for (KernelModel m : Models.all()) {
      ScenarioRun.Result r = ScenarioRun.runOn(new Source("deep.tlbs", text), m, false);
      assertEquals(ScenarioRun.Status.PASSED, r.status(), m.name + ": "
          + r.diagnostics().stream().map(Diagnostic::render).collect(Collectors.joining()));
    }
  }
}
