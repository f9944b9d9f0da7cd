package org.tlbscript.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The x86 side alone: store buffers, CR3 and PCIDs, INVLPG, page walks through the PDE cache. */
class MachineTest {
  static final long A = 0x2000;
  final Layout layout = new Layout(2, 2, new long[] {A, 0x3000}, 0, 4, 0, 4);

  Machine machine(boolean tso, boolean pcid) {
    return new Machine(layout, tso, pcid);
  }

  @Test
  void underTsoAStoreIsSeenByItsCpuFirstAndByOthersAfterTheDrain() {
    Machine m = machine(true, true);
    int x = layout.cell(0);
    m.store(0, x, 7);
    assertEquals(7, m.load(0, x), "store forwarding from the CPU's own buffer");
    assertEquals(0, m.load(1, x), "not yet visible to the other CPU");
    m.drainOne(0);
    assertEquals(7, m.load(1, x));
  }

  @Test
  void storeBufferingLitmusNeedsAFenceOnBothSides() {
    // SB: cpu0 x=1; r0=y || cpu1 y=1; r1=x. Under TSO r0=r1=0 is allowed; with MFENCE it is not.
    int x = layout.cell(0);
    int y = layout.cell(1);
    Machine m = machine(true, true);
    m.store(0, x, 1);
    m.store(1, y, 1);
    assertEquals(0, m.load(0, y));
    assertEquals(0, m.load(1, x));
    Machine f = machine(true, true);
    f.store(0, x, 1);
    f.fence(0);
    f.store(1, y, 1);
    f.fence(1);
    assertEquals(1, f.load(0, y));
    assertEquals(1, f.load(1, x));
  }

  @Test
  void aLoadItsOwnBufferServesStillCountsAsTouchingMemory() {
    // the entry can drain before the load, which then reads memory that other CPUs write: the
    // partial-order reduction must not take such a load alone
    Machine m = machine(true, true);
    m.store(0, layout.cell(0), 7);
    m.memoryTouches = 0;
    assertEquals(7, m.load(0, layout.cell(0)));
    assertEquals(1, m.memoryTouches);
  }

  @Test
  void aFullStoreBufferIsAnErrorNamingTheCpuNotASilentDrain() {
    Machine m = machine(true, true);
    for (int i = 0; i < layout.storeBufferSize; i++) {
      m.store(1, layout.cell(i % 4), i + 1);
    }
    Machine.StoreBufferFull e = assertThrows(Machine.StoreBufferFull.class, () -> m.store(1, layout.cell(0), 9));
    assertEquals(1, e.cpu);
    assertTrue(e.getMessage().startsWith("cpu1's store buffer is full"), e.getMessage());
    assertEquals(0, m.memory(layout.cell(0)), "nothing drained behind the program's back");
  }

  @Test
  void lockedRmwDrainsTheBufferFirst() {
    Machine m = machine(true, true);
    m.store(0, layout.cell(0), 5);
    m.rmwAdd(0, layout.cell(1), 1);
    assertEquals(5, m.memory(layout.cell(0)));
    assertEquals(1, m.memory(layout.cell(1)));
  }

  private void mapA(Machine m) {
    m.poke(layout.pmdCell(1, 0), 1);
    m.poke(layout.pteCell(1, layout.page(A)), Machine.pte(42, true));
  }

  @Test
  void cr3WithNoflushKeepsThePcidsEntriesAndWithoutItDropsThem() {
    Machine m = machine(false, true);
    mapA(m);
    m.writeCr3(0, 1, 1, false);
    assertEquals(Machine.Access.Kind.FILLED, m.translate(0, A, false).kind());
    m.writeCr3(0, 0, 0, true);
    m.writeCr3(0, 1, 1, true);
    assertEquals(Machine.Access.Kind.HIT, m.translate(0, A, false).kind(), "NOFLUSH keeps PCID 2's entries");
    m.writeCr3(0, 1, 1, false);
    assertEquals(Machine.Access.Kind.FILLED, m.translate(0, A, false).kind(), "a flushing load drops them");
    assertEquals(4, m.cr3Writes(0));
    assertEquals(2, m.fullFlushes(0));
  }

  @Test
  void withoutPcidEveryCr3WriteDropsEverything() {
    Machine m = machine(false, false);
    mapA(m);
    m.writeCr3(0, 1, 0, true);
    m.translate(0, A, false);
    m.writeCr3(0, 1, 0, true);
    assertEquals(0, m.tlbEntry(0, 0, layout.page(A)));
  }

  @Test
  void invlpgDropsTheEntryAndTheWholePdeCacheOfTheCurrentPcid() {
    Machine m = machine(false, true);
    mapA(m);
    m.writeCr3(0, 1, 1, false);
    m.translate(0, A, false);
    assertNotEquals(0, m.pscEntry(0, 1, 0));
    m.invlpg(0, 0x3000);
    assertEquals(0, m.pscEntry(0, 1, 0), "INVLPG of any address drops the current PCID's PDE cache");
    assertNotEquals(0, m.tlbEntry(0, 1, layout.page(A)), "but only its own TLB entry");
    m.invlpg(0, A);
    assertEquals(0, m.tlbEntry(0, 1, layout.page(A)));
    assertEquals(2, m.invlpgs(0));
  }

  @Test
  void aCachedPdeKeepsReachingAnUnlinkedTable() {
    Machine m = machine(false, true);
    mapA(m);
    m.writeCr3(0, 1, 1, false);
    m.translate(0, A, false);
    m.invlpg(0, A);
    m.translate(0, 0x3000, false); // refills the PDE cache only
    m.poke(layout.pmdCell(1, 0), 0); // pmd_clear
    Machine.Access a = m.translate(0, A, false);
    assertEquals(1, a.table());
    assertEquals(true, a.viaPsc(), "the walk went through the cached PDE, not the cleared PMD");
  }

  @Test
  void ipisArePendingUntilTaken() {
    Machine m = machine(true, true);
    m.store(1, layout.cell(0), 3);
    m.sendIpis(0, 0b10);
    assertEquals(0b1, m.pendingIpis(1));
    m.takeIpi(1, 0);
    assertEquals(0, m.pendingIpis(1));
    assertEquals(3, m.memory(layout.cell(0)), "interrupt entry drains the store buffer");
    assertEquals(1, m.ipisTaken(1));
  }

  @Test
  void invlpgIsSerializing() {
    Machine m = machine(true, true);
    m.store(0, layout.cell(0), 9);
    m.invlpg(0, A);
    assertEquals(9, m.memory(layout.cell(0)), "INVLPG drains the store buffer like any serializing instruction");
  }
}
