package org.tlbscript.kernels;

/**
 * What a step touches, as in kernel-tlb.md §2's legend. The explorer needs it (which steps
 * can be reordered, which drain the store buffer), and traces print it.
 */
public enum Access {
  /** private per-CPU work (no other CPU observes it) */
  P,
  /** plain load of shared memory */
  R,
  /** plain store to shared memory (may sit in the store buffer under TSO) */
  W,
  /** locked read-modify-write (a full fence on x86) */
  RMW,
  /** smp_mb() */
  F,
  /** CR3 write (serializing, with its TLB effect) */
  CR3,
  /** another hardware TLB action (INVLPG, a page walk) */
  HW,
  /** send IPIs, or wait for their handlers */
  IPI,
  /** control flow: branch, call, return */
  CTL
}
