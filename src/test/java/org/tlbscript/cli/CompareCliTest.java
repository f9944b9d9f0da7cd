package org.tlbscript.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tlbscript.cli.CliTest.tlbscript;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tlbscript.kernels.Models;

/** {@code tlbscript compare} and {@code tlbscript kernels --diff} as a user meets them. */
class CompareCliTest {
  static final String S02 = "scenarios/s02-lazy-cpu-not-woken.tlbs";

  /** The table row of {@code kernel}, split into its columns. */
  static List<String> row(CliTest.Run r, String kernel) {
    return r.lines().stream().filter(l -> l.startsWith(kernel + " ")).findFirst()
        .map(l -> List.of(l.trim().split("\\s{2,}"))).orElseThrow(() -> new AssertionError(r.out()));
  }

  @Test
  void v413WakesTheIdleCpuAndV420DoesNot() {
    CliTest.Run r = tlbscript("compare", S02, "--kernels", "v4.13,v4.20");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("per-CPU columns are cpu0/cpu1"), r.out());
    // kernel, status, IPIs, woken idle, CR3 writes, full flushes, INVLPGs, stale uses, freed walks, ...
    // v4.13 (V0): the lazy cpu1 stays in the mask and the flush IPI makes it leave_mm(): 3 CR3 writes
    assertEquals(List.of("v4.13", "PASS", "0/1", "0/1", "1/3", "1/3", "1/0", "0/0", "0/0", "holds", "holds", "1"),
        row(r, "v4.13"));
    // v4.20: flush IPIs skip the lazy cpu1; the return reloads CR3 once: 2 CR3 writes
    assertEquals(List.of("v4.20", "PASS", "0/0", "0/0", "1/2", "1/2", "1/0", "0/0", "0/0", "holds", "holds", "1"),
        row(r, "v4.20"));
    assertTrue(r.out().contains("first divergence: " + S02 + ":21: cpu0 switch mm1"), r.out());
  }

  @Test
  void v419AndV420PartWhereTheCpuGoesIdle() {
    CliTest.Run r = tlbscript("compare", S02, "--kernels", "v4.19,v4.20");
    assertEquals(0, r.exit(), r.err());
    // neither takes an IPI (v4.19 with PCID switched cpu1 to init_mm and out of the mask)
    assertEquals("0/0", row(r, "v4.19").get(2));
    assertEquals("0/0", row(r, "v4.20").get(2));
    assertEquals("1/3", row(r, "v4.19").get(4));
    assertEquals("1/2", row(r, "v4.20").get(4));
    String out = r.out();
    assertTrue(out.contains("first divergence: " + S02 + ":24: cpu1 switch kernel"), out);
    assertTrue(out.contains("v4.19: cpu1 enter_lazy_tlb:EL1a"), out);
    assertTrue(out.contains("tlb_defer_switch_to_init_mm"), out);
    assertTrue(out.contains("v4.20: cpu1 enter_lazy_tlb:EL2  this_cpu_write(is_lazy, true)"), out);
    assertTrue(out.contains("cpu1 loaded_mm: init_mm vs mm1"), out);
    assertTrue(out.contains("mm_cpumask(mm1): {cpu0} vs {cpu0 cpu1}"), out);
  }

  @Test
  void theSameModelTwiceNeverDiverges() {
    CliTest.Run r = tlbscript("compare", S02, "--kernels", "v6.18,v6.18");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("no divergence"), r.out());
  }

  @Test
  void byDefaultEveryKernelIsARowInOrder() {
    CliTest.Run r = tlbscript("compare", "scenarios/s03-lazy-cpu-tables-freed.tlbs");
    assertEquals(0, r.exit(), r.err());
    List<String> kernels = r.lines().subList(2, r.lines().size()).stream().map(l -> l.split(" ")[0]).toList();
    assertEquals(Models.names(), kernels);
    // freeing page tables IPIs the lazy CPU from 4.20 on: woken while idle
    assertEquals("0/1", row(r, "v4.20").get(3));
    // lazier-2018-tip never IPIs a lazy CPU for freed tables: freed-walk none would not hold
    assertEquals("FAILS", row(r, "lazier-2018-tip").get(10));
    assertTrue(!r.out().contains("first divergence"), r.out());
  }

  @Test
  void togetherBlocksReportTheFirstOutcome() {
    CliTest.Run r = tlbscript("compare", "scenarios/races/s04-rik-sb-sc.tlbs", "--kernels", "v4.20,v5.13");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("counters are those of the first outcome"), r.out());
  }

  @Test
  void unknownKernelsAreUsageErrors() {
    CliTest.Run r = tlbscript("compare", S02, "--kernels", "v4.20,v5.31");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("unknown kernel model 'v5.31' (did you mean 'v5.13'?)"), r.err());
    CliTest.Run d = tlbscript("kernels", "--diff", "v4.2", "v4.20");
    assertEquals(2, d.exit());
    assertTrue(d.err().contains("unknown kernel model 'v4.2'"), d.err());
    assertEquals(2, tlbscript("kernels", "--diff", "v4.20").exit());
    assertEquals(2, tlbscript("compare", "no-such-file.tlbs").exit());
  }

  @Test
  void diffListsTheConditionalIsLazyStore() {
    CliTest.Run r = tlbscript("kernels", "--diff", "v4.20", "v5.13");
    assertEquals(0, r.exit(), r.err());
    List<String> lines = r.lines();
    assertEquals("--- v4.20   (4.20 – 5.12 (era V3))", lines.get(0));
    int hunk = lines.indexOf(lines.stream().filter(l -> l.startsWith("@@ routine switch_mm_irqs_off ")).findFirst()
        .orElseThrow(() -> new AssertionError(r.out())));
    int minus = hunk + 1;
    while (!lines.get(minus).startsWith("- SW1 ")) {
      minus++;
    }
    assertTrue(lines.get(minus).endsWith("this_cpu_write(is_lazy, false)"), lines.get(minus));
    assertTrue(lines.get(minus + 1).startsWith("+ SW1 "), lines.get(minus + 1));
    assertTrue(lines.get(minus + 1).contains("if (was_lazy) this_cpu_write(cpu_tlbstate_shared.is_lazy, false)"),
        lines.get(minus + 1));
    assertTrue(lines.get(minus + 1).endsWith("# text"), lines.get(minus + 1));
    assertTrue(lines.contains("- routine flush_tlb_func_common   # only in v4.20"), r.out());
    assertTrue(lines.contains("+ routine flush_tlb_func   # only in v5.13"), r.out());
    assertTrue(r.out().contains("[call native_flush_tlb_multi]   # text, callee"), r.out());
  }

  @Test
  void aModelDiffedWithItselfHasNoDifferences() {
    CliTest.Run r = tlbscript("kernels", "--diff", "v4.20", "v4.20");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("no differences"), r.out());
    assertEquals(3, r.lines().size(), r.out());
  }
}
