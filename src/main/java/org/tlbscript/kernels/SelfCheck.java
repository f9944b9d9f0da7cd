package org.tlbscript.kernels;

/**
 * The model self-checks of kernel-tlb.md §3 that hold in a given era. A model names the ones
 * its kernel maintains (≤ 4.13 has no ctxs[] or generations, so only the first applies).
 */
public enum SelfCheck {
  /** I-asid, first half: with interrupts on, CR3 = (loaded_mm's pgd, loaded_mm_asid). */
  CR3_MATCHES_LOADED_MM,
  /** I-asid, second half: ctxs[loaded_mm_asid].ctx_id is loaded_mm's ctx_id. */
  SLOT_NAMES_LOADED_MM,
  /** I-gen: no slot recorded at generation G holds an entry made stale by a change covered by G. */
  SLOT_GENERATION
}
