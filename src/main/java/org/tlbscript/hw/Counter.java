package org.tlbscript.hw;

import java.util.EnumSet;

/**
 * Counters kept for observation only: no kernel step and no hardware rule reads them, only
 * assertions, views and compare do. A run counts just those it will be asked about: each one
 * kept tells states apart that agree on everything else, and so multiplies the states.
 */
public enum Counter {
  /** MOV to CR3, per CPU (`assert cr3`). */
  CR3_WRITES,
  /** CR3 writes that dropped the PCID's entries, per CPU (`assert flushes cpuN full`). */
  FULL_FLUSHES,
  /** INVLPG instructions, per CPU (`assert flushes cpuN partial`). */
  PARTIAL_FLUSHES,
  /** IPIs taken, per CPU (`assert ipis`). */
  IPIS_TAKEN,
  /** IPIs taken while a kernel thread or idle ran (compare's "woken idle"). */
  WOKEN_IDLE,
  /** Uses of a stale entry, per CPU (compare): uncounted, only whether there was one. */
  STALE_USES;

  public static final EnumSet<Counter> ALL = EnumSet.allOf(Counter.class);
}
