package org.tlbscript.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Source;

/**
 * After mprotect to read-only, a TLB entry that still allows writes is dangerous for a write,
 * not for a read: the entry names the page the PTE still maps. A read through it is not a use
 * of a stale translation; a write is; and `assert stale` keeps catching the entry either way.
 * The entry survives under v4.20-partial-always (S5's variant, out-of-order flushes).
 */
class PermissionDowngradeTest {
  @Test
  void aReadThroughAStillWritableEntryIsNoStaleUseAWriteIs() {
    String script = """
        kernel v4.20-partial-always
        cpus 3
        memory sc
        cpu0 switch mm1
        cpu1 switch mm1
        cpu2 switch mm1
        cpu1 touch mm1 0x2000 write
        cpu1 touch mm1 0x100000 write
        together {
          cpu0: protect mm1 0x100000..0x200000
          cpu2: unmap mm1 0x2000
        }
        cpu1 touch mm1 0x100000
        assert sometimes stale cpu1 0x100000
        cpu1 touch mm1 0x100000 write
        assert sometimes stale cpu1 0x100000
        """;
    List<long[]> usesAfterEachTouch = new ArrayList<>();
    ScenarioRun.Result r = Watch.run(new Source("downgrade.tlbs", script),
        Models.find("v4.20-partial-always").orElseThrow(), (session, stmt, o) -> {
          if (stmt.toSource().startsWith("cpu1 touch mm1 0x100000") && session.worldCount() > 1) {
            long[] uses = new long[session.worldCount()];
            for (int i = 0; i < uses.length; i++) {
              session.focus(i);
              uses[i] = session.engine().staleUses(session.machine(), 1);
            }
            usesAfterEachTouch.add(uses);
          }
        });
    assertEquals(ScenarioRun.Status.PASSED, r.status(), r.output() + r.diagnostics());
    assertEquals(2, usesAfterEachTouch.size());
    for (long n : usesAfterEachTouch.get(0)) {
      assertEquals(0, n, "a read through the still-writable entry counted as a stale use");
    }
    assertTrue(java.util.Arrays.stream(usesAfterEachTouch.get(1)).anyMatch(n -> n > 0),
        "a write through the still-writable entry must count as a stale use");
  }
}
