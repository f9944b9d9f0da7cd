package org.tlbscript.kernels;

/**
 * Where the kernel's variables live in the machine state: shared cells (read or written by
 * other CPUs, so loads and stores go through memory and store buffers), private per-CPU
 * registers ({@code cpu_tlbstate} fields no other CPU reads, the scheduler's view of the
 * current task, the flush_tlb_info a CPU publishes), and ghost globals that only checkers read.
 * One layout serves every kernel model; a model that does not use a variable leaves it zero.
 */
public final class Vars {
  /** mm numbers: 0 is init_mm, user mms are 1.. in order of first appearance. */
  public static final int INIT_MM = 0;
  /** LOADED_MM_SWITCHING ((struct mm_struct *)1UL in the kernel). */
  public static final long SWITCHING = -1;
  /** A NULL mm pointer (a kernel thread's task->mm, a batched flush's info->mm). */
  public static final long NULL_MM = -2;
  public static final long TLB_FLUSH_ALL = -1;
  public static final int PAGE_SHIFT = 12;

  public final int cpus;
  public final int mms;

  // private registers (per CPU)
  public static final int LOADED_MM_ASID = 0;
  public static final int NEXT_ASID = 1;
  private static final int CTX_ID = 2;
  private static final int CTX_GEN = 8;
  /** current->mm: NULL_MM for a kernel thread. */
  public static final int CUR_MM = 14;
  /** current->active_mm. */
  public static final int ACTIVE_MM = 15;
  // struct flush_tlb_info this CPU published (it lives on the initiator's stack)
  public static final int INFO_MM = 16;
  public static final int INFO_START = 17;
  public static final int INFO_END = 18;
  public static final int INFO_STRIDE = 19;
  public static final int INFO_FREED = 20;
  public static final int INFO_NEW_GEN = 21;
  public static final int INFO_INITIATOR = 22;
  public static final int INFO_TRIM = 23;
  /**
   * Scratch registers for plain programs (litmus tests): where a thread's registers survive the
   * return of its routine. Kernel models leave them zero.
   */
  public static final int SCRATCH = 24;
  public static final int SCRATCH_REGS = 8;
  public static final int REGS = SCRATCH + SCRATCH_REGS;

  // ghost globals
  public static final int JIFFIES = 0;
  public static final int NEXT_PFN = 1;
  public static final int NEXT_TABLE = 2;
  /** The page tables given back (a bit per table id): a walk through one is a freed walk. */
  public static final int FREED_TABLES = 3;
  /** Table ids are bits of {@link #FREED_TABLES}. */
  public static final int MAX_TABLES = 63;
  private static final int GHOST_FIXED = 4;

  private final int pages;
  private final int regions;

  public Vars(int cpus, int mms, int pages, int regions) {
    this.cpus = cpus;
    this.mms = mms;
    this.pages = pages;
    this.regions = regions;
  }

  // ---- shared cells (indices for Layout.cell) ----
  public int loadedMm(int cpu) {
    return cpu;
  }

  public int isLazy(int cpu) {
    return cpus + cpu;
  }

  public int tlbGen(int mm) {
    return 2 * cpus + mm;
  }

  public int cpumask(int mm) {
    return 2 * cpus + mms + mm;
  }

  /** cpu_tlbstate.state of ≤ 4.13 (TLBSTATE_OK/LAZY) and of the 2018 v1 series (also FLUSH). */
  public int tlbState(int cpu) {
    return 2 * cpus + 2 * mms + cpu;
  }

  /** mm->context.next_trim_cpumask (6.14+): jiffies after which a flush may trim the mask. */
  public int nextTrim(int mm) {
    return 3 * cpus + 2 * mms + mm;
  }

  /**
   * The CPU that owns shared cell {@code i} (loaded_mm and is_lazy: only that CPU writes them),
   * or -1 for a cell any CPU may write (cpu_tlbstate.state too: the 2018 v1 series flips a
   * remote CPU's state with cmpxchg).
   */
  public int ownerOf(int i) {
    return i < 2 * cpus ? i % cpus : -1;
  }

  public boolean isCpumask(int i) {
    return i >= cpumask(0) && i < cpumask(0) + mms;
  }

  public int sharedCells() {
    return 3 * cpus + 3 * mms;
  }

  /** A readable name for shared cell {@code i}, for traces. */
  public String cellName(int i, java.util.function.IntFunction<String> mmName) {
    if (i < cpus) {
      return "loaded_mm[cpu" + i + "]";
    } else if (i < 2 * cpus) {
      return "is_lazy[cpu" + (i - cpus) + "]";
    } else if (i < 2 * cpus + mms) {
      return mmName.apply(i - 2 * cpus) + ".tlb_gen";
    } else if (i < 2 * cpus + 2 * mms) {
      return "mm_cpumask(" + mmName.apply(i - 2 * cpus - mms) + ")";
    } else if (i < 3 * cpus + 2 * mms) {
      return "tlbstate[cpu" + (i - 2 * cpus - 2 * mms) + "]";
    }
    return mmName.apply(i - 3 * cpus - 2 * mms) + ".next_trim_cpumask";
  }

  // ---- private registers ----
  public static int ctxId(int asid) {
    return CTX_ID + asid;
  }

  public static int ctxGen(int asid) {
    return CTX_GEN + asid;
  }

  /** ctx_id of an mm: never reused, init_mm has 1, the first user mm 2. */
  public static long ctxIdOf(long mm) {
    return mm + 1;
  }

  // ---- ghost globals ----
  /** Generation that covers the last flush-requiring change of the PTE of (mm, page). */
  public int changeGen(int mm, int page) {
    return GHOST_FIXED + mm * pages + page;
  }

  /** Highest generation whose flush_tlb_mm_range has returned. */
  public int completedGen(int mm) {
    return GHOST_FIXED + mms * pages + mm;
  }

  /** 1 once exit_mmap has torn the mm down. */
  public int exited(int mm) {
    return GHOST_FIXED + mms * pages + mms + mm;
  }

  /** 1 once init_new_context has set the mm up (init_mm at boot, a user mm at its first action). */
  public int created(int mm) {
    return GHOST_FIXED + mms * pages + 2 * mms + mm;
  }

  /**
   * Who holds the PTE lock (split: one per PTE page) of (mm, 2 MiB region): its CPU + 1, or 0.
   * A ghost of the spinlock, so that a fault waits for a remap's lock as the kernel's does.
   */
  public int ptl(int mm, int region) {
    return GHOST_FIXED + mms * pages + 3 * mms + mm * regions + region;
  }

  public int globals() {
    return GHOST_FIXED + mms * regions + mms * pages + 3 * mms;
  }
}
