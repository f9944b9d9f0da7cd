package org.tlbscript.kernels;

/**
 * The kernel operations a scenario action starts, each mapped by a model to the routine that
 * implements it in that kernel (for example USE_MM is {@code use_mm} in 4.20 and
 * {@code kthread_use_mm} from 5.8). Arguments are passed in this order: mm, start, end, extra.
 */
public enum Entry {
  /** the scheduler switches to a user task of mm: context_switch → switch_mm_irqs_off */
  SWITCH_TO_USER,
  /** the scheduler switches to a kernel thread: context_switch → enter_lazy_tlb */
  SWITCH_TO_KTHREAD,
  USE_MM,
  UNUSE_MM,
  /** deep idle: leave_mm */
  LEAVE,
  /** a user access, with its page fault (extra = 1 for a write) */
  USER_ACCESS,
  /** install a PTE (extra = pfn, 0 to allocate one) */
  MAP,
  MUNMAP,
  MPROTECT,
  /** change a page's pfn: ptep_clear_flush, then set_pte_at */
  REMAP,
  /** munmap of whole page tables: zap, free_pgtables, tlb_finish_mmu */
  FREE_TABLES,
  FLUSH_RANGE,
  FLUSH_ALL,
  /** the last task of the mm exits: exit_mm → exit_mmap */
  EXIT,
  /** reclaim unmaps a page and flushes in a batch (try_to_unmap_one, arch_tlbbatch_flush) */
  RECLAIM,
  /** khugepaged collapses the 2 MiB region holding start (file/shmem path): the PTE page is freed */
  COLLAPSE,
  /** fork or exec creates the mm: init_new_context (run before the first action that names it) */
  INIT_NEW_CONTEXT
}
