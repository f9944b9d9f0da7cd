package org.tlbscript.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tlbscript.engine.Engine;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Source;

/**
 * The scheduler and kthread_use_mm take a lock before they switch mm (__schedule's rq_lock,
 * task_lock): a LOCK'd instruction, so the stores the previous action left in the store
 * buffer are in memory before the next switch begins. Without it an exploration holds the
 * loaded_mm stores of two switches in one buffer, which no x86 CPU running Linux can.
 */
class ScheduleBarrierTest {
  /**
   * Runs {@code first} on cpu1 step by step (its stores stay buffered), then begins
   * {@code second} and takes its first step; returns {buffered after first, after that step}.
   */
  static int[] buffered(KernelModel model, String setup, String first, String second) {
    int[] counts = new int[2];
    int[] begun = {0};
    ScenarioRun.Result r = Watch.run(new Source("barrier.tlbs", "cpus 2\nmemory tso\n" + setup
        + "cpu1 begin " + first + "\ncpu1 begin " + second + "\n"), model, (session, stmt, o) -> {
          if (!(stmt instanceof Ast.Control)) {
            return;
          }
          Engine e = session.engine();
          Machine m = session.machine();
          if (begun[0]++ == 0) {
            while (e.depth(m, 1) > 0) {
              e.step(m, 1, null); // no drains: what the action stores stays buffered
            }
            counts[0] = m.storeBufferCount(1);
          } else {
            e.step(m, 1, null);
            counts[1] = m.storeBufferCount(1);
          }
        });
    assertEquals(ScenarioRun.Status.PASSED, r.status(), r.diagnostics().toString());
    return counts;
  }

  @Test
  void theStoresOfOneSwitchAreInMemoryWhenTheNextBegins() {
    List<String> none = new ArrayList<>();
    for (KernelModel m : Models.all()) {
      for (String[] pair : new String[][] {{"switch mm2", "switch mm1"}, {"switch mm2", "switch kernel"},
          {"switch kernel", "switch mm1"}}) {
        int[] n = buffered(m, "cpu1 switch mm1\n", pair[0], pair[1]);
        if (n[0] > 0) {
          assertEquals(0, n[1], m.name + ": " + pair[0] + " then " + pair[1] + ": rq_lock drains the buffer");
        } else {
          none.add(m.name + " " + pair[0]);
        }
      }
    }
    // the test means something only where a switch leaves a store behind (loaded_mm, is_lazy)
    assertTrue(none.size() < Models.all().size(), "no switch left a buffered store: " + none);
  }

  @Test
  void kthreadUseMmAndUnuseMmTakeTheTaskLockFirst() {
    int checked = 0;
    for (KernelModel m : Models.all()) {
      if (m.routines().stream().noneMatch(r -> r.name.endsWith("use_mm"))) {
        continue;
      }
      int[] use = buffered(m, "cpu1 switch mm1\ncpu1 switch kernel\n", "use mm2", "unuse mm2");
      int[] reuse = buffered(m, "cpu1 switch mm1\n", "switch kernel", "use mm2");
      if (use[0] > 0) {
        assertEquals(0, use[1], m.name + ": unuse_mm's task_lock drains the buffer");
        checked++;
      }
      if (reuse[0] > 0) {
        assertEquals(0, reuse[1], m.name + ": use_mm's task_lock drains the buffer");
        checked++;
      }
    }
    assertTrue(checked > 0, "no use/unuse left a buffered store");
  }
}
