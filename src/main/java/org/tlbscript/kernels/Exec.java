package org.tlbscript.kernels;

import org.tlbscript.hw.Layout;
import org.tlbscript.hw.Machine;

/**
 * What a kernel step may do, as seen from the CPU running it. The engine implements it; every
 * shared access goes through here, so the engine can apply store buffers, trace values and
 * check that a step touches at most one shared location.
 */
public interface Exec {
  int cpu();

  int cpus();

  Vars vars();

  /** {@code tlb_single_page_flush_ceiling}. */
  long ceiling();

  /** X86_FEATURE_PCID. */
  boolean pcid();

  /**
   * {@code cpumask_next(after, mask)}, for_each_cpu's step: the lowest CPU of {@code mask} above
   * {@code after} ({@code -1}: the first), or {@link #cpus()} when there is none. Visiting CPUs
   * in id order is what makes CPUs not interchangeable, so an exploration that treats them as
   * interchangeable watches for it ({@code engine.Symmetry}).
   */
  int cpumaskNext(long after, long mask);

  // ---- frame ----
  long get(Local l);

  void set(Local l, long v);

  // ---- shared memory (kernel cells; see Vars) ----
  long load(int cell);

  void store(int cell, long v);

  long rmwAdd(int cell, long delta);

  /** Locked set or clear of {@code bits}; returns the old value. */
  void rmwBits(int cell, long bits, boolean set);

  /** Locked compare-and-exchange; returns the old value. */
  long cmpxchg(int cell, long expected, long value);

  /** Locked exchange; returns the old value. */
  long xchg(int cell, long value);

  void fence();

  /** The current jiffies (advanced by `tick`). */
  long jiffies();

  /**
   * This CPU's own view of a shared cell only it writes ({@code this_cpu_read}): [P]. loaded_mm
   * and is_lazy always; cpu_tlbstate.state in the models that never write it remotely (the 2018
   * v1 series does: it reads the state with {@link #load}).
   */
  long own(int cell);

  /**
   * cpumask_test_cpu(this CPU, cell): 1 if this CPU's bit is set. Only a CPU sets or clears
   * its own bit of a cpumask (the engine enforces it), so this read commutes with every other
   * CPU's moves, which the explorer's reduction uses.
   */
  long ownBit(int cell);

  // ---- page tables (memory) ----
  long loadPte(int mm, int page);

  void storePte(int mm, int page, long pte);

  /** Atomic exchange of a PTE ({@code ptep_get_and_clear}: xchg on x86 SMP). */
  long xchgPte(int mm, int page, long pte);

  long loadPmd(int mm, int region);

  void storePmd(int mm, int region, long table);

  // ---- private registers ----
  long reg(int r);

  void setReg(int r, long v);

  /** A register of another CPU: reading the flush_tlb_info that CPU published. */
  long regOf(int cpu, int r);

  // ---- hardware ----
  /** The raw machine (for ghost bookkeeping); reading through it counts as reading this CPU's state. */
  Machine hw();

  /** Where the scenario's pages, regions and cells live (fixed for the run). */
  Layout layout();

  /** This CPU's CR3: the root it holds and its ASID. */
  int cr3Root();

  int cr3Asid();

  void writeCr3(int mm, int asid, boolean noflush);

  void invlpg(long va);

  /** A user access through the current CR3; the checkers observe what it used. */
  Machine.Access userAccess(long va, boolean write);

  /**
   * Posts IPIs to {@code targets} (a CPU bit mask) that run routine {@code handler} with this
   * CPU's number as argument, and records that this CPU waits for them.
   */
  void sendIpis(long targets, String handler);

  /**
   * {@link #sendIpis} without the ordering of smp_call_function_many's locked llist_add: older
   * stores stay in the buffer (tlbscript barriers' weakened send).
   */
  default void sendIpisUnordered(long targets, String handler) {
    sendIpis(targets, handler);
  }

  /** True when every handler this CPU waits for has returned. */
  boolean ipisDone();

  // ---- allocation and ghost bookkeeping (the checkers' view of the kernel's intent) ----
  long allocPfn();

  /** Allocates a page-table page for (mm, region) and returns its id. */
  int allocTable(int mm, int region);

  /** The table of (mm, region) is given back to the page allocator. */
  void freeTable(long table);

  /** A flush-requiring change of (mm, page) was made; the next generation covers it. */
  void pteChanged(int mm, int page);

  /** The CPU that holds the PTE lock of the PTE page mapping (mm, page), or -1. */
  int ptlHolder(int mm, int page);

  /** pte_offset_map_lock ({@code lock}) or pte_unmap_unlock of the PTE page mapping (mm, page). */
  void ptl(int mm, int page, boolean lock);

  /** flush_tlb_mm_range(mm) published {@code gen} and returned. */
  void flushReturned(int mm, long gen);

  // ---- trace ----
  boolean tracing();

  /** Adds a note (a decision, a value) to the current step's trace line. */
  void note(String text);

  /** A readable name of an mm number (mm1, init_mm, NULL, LOADED_MM_SWITCHING). */
  String mmName(long mm);
}
