package org.tlbscript.hw;

import java.util.Arrays;

/**
 * Where everything lives in a machine's state array. The state is one {@code long[]} so a copy
 * is an array copy and a hash is {@link Arrays#hashCode(long[])}: the explorer visits millions.
 *
 * <p>Regions: a global area ({@code globals} cells for the layers above), shared memory
 * (kernel cells, then the page tables: one PMD entry per (address space, 2 MiB region), one PTE
 * per (address space, page)), then one block per CPU: hardware registers, TLB, paging-structure
 * cache, store buffer, then {@code regs} private cells for the layers above.
 *
 * <p>The machine knows a finite set of pages, the ones a scenario names; other addresses have
 * no PTE and can never be in a TLB, so they need no cells.
 */
public final class Layout {
  public static final long PAGE_SHIFT = 12;
  public static final long PMD_SHIFT = 21;
  public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
  public static final long PMD_SIZE = 1L << PMD_SHIFT;
  /** TASK_SIZE_MAX with 4-level paging: user addresses lie below it. */
  public static final long TASK_SIZE = 0x7ffffffff000L;
  /** Hardware address-space ids: 6 dynamic ASIDs (PCID = ASID + 1), TLB_NR_DYN_ASIDS. */
  public static final int ASIDS = 6;

  public final int cpus;
  public final int roots;
  public final int globals;
  public final int sharedCells;
  public final int regs;
  public final int storeBufferSize;
  private final long[] pageVpn;
  private final int[] pageRegion;
  private final long[] regionNumber;

  // offsets
  final int memBase;
  final int pmdBase;
  final int pteBase;
  final int cpuBase;
  final int cpuSize;
  static final int CR3_ROOT = 0;
  static final int CR3_ASID = 1;
  static final int IPI_PENDING = 2;
  static final int CR3_WRITES = 3;
  static final int FULL_FLUSHES = 4;
  static final int PARTIAL_FLUSHES = 5;
  static final int IPIS_TAKEN = 6;
  static final int SB_COUNT = 7;
  static final int HW_FIELDS = 8;
  final int tlbOff;
  final int pscOff;
  final int sbOff;
  final int regsOff;
  public final int size;

  /** The observation counters the state keeps (see {@link Counter}). */
  private final java.util.Set<Counter> counted;

  public Layout(int cpus, int roots, long[] pageAddresses, int globals, int sharedCells, int regs,
      int storeBufferSize) {
    this(cpus, roots, pageAddresses, globals, sharedCells, regs, storeBufferSize, Counter.ALL);
  }

  public Layout(int cpus, int roots, long[] pageAddresses, int globals, int sharedCells, int regs,
      int storeBufferSize, java.util.Set<Counter> counted) {
    this.counted = java.util.EnumSet.copyOf(counted.isEmpty() ? java.util.EnumSet.noneOf(Counter.class) : counted);
    this.cpus = cpus;
    this.roots = roots;
    this.globals = globals;
    this.sharedCells = sharedCells;
    this.regs = regs;
    this.storeBufferSize = storeBufferSize;
    this.pageVpn = Arrays.stream(pageAddresses).map(a -> a >>> PAGE_SHIFT).distinct().sorted()
        .toArray();
    this.regionNumber = Arrays.stream(pageVpn).map(v -> v >>> (PMD_SHIFT - PAGE_SHIFT)).distinct()
        .sorted().toArray();
    this.pageRegion = new int[pageVpn.length];
    for (int i = 0; i < pageVpn.length; i++) {
      pageRegion[i] = Arrays.binarySearch(regionNumber, pageVpn[i] >>> (PMD_SHIFT - PAGE_SHIFT));
    }
    memBase = globals;
    pmdBase = memBase + sharedCells;
    pteBase = pmdBase + roots * regions();
    cpuBase = pteBase + roots * pages();
    tlbOff = HW_FIELDS;
    pscOff = tlbOff + ASIDS * pages();
    sbOff = pscOff + ASIDS * regions();
    regsOff = sbOff + 2 * storeBufferSize;
    cpuSize = regsOff + regs;
    size = cpuBase + cpus * cpuSize;
  }

  /** Whether the state keeps counter {@code c}. */
  public boolean counts(Counter c) {
    return counted.contains(c);
  }

  public int pages() {
    return pageVpn.length;
  }

  public int regions() {
    return regionNumber.length;
  }

  /** Index of the page holding {@code va}, or -1 if the scenario never names that page. */
  public int page(long va) {
    int i = Arrays.binarySearch(pageVpn, va >>> PAGE_SHIFT);
    return i < 0 ? -1 : i;
  }

  public long pageAddress(int page) {
    return pageVpn[page] << PAGE_SHIFT;
  }

  public int regionOf(int page) {
    return pageRegion[page];
  }

  public long regionAddress(int region) {
    return regionNumber[region] << PMD_SHIFT;
  }

  /** Memory address of kernel shared cell {@code i} (for loads, stores and store buffers). */
  public int cell(int i) {
    return memBase + i;
  }

  public int pmdCell(int root, int region) {
    return pmdBase + root * regions() + region;
  }

  public int pteCell(int root, int page) {
    return pteBase + root * pages() + page;
  }

  public boolean isPageTableCell(int addr) {
    return addr >= pmdBase && addr < cpuBase;
  }

  /** The end of memory: globals, shared cells and page tables lie below it, the CPUs' blocks above. */
  public int memoryEnd() {
    return cpuBase;
  }

  /** State index of the first cell of CPU {@code c}'s block (its hardware fields). */
  public int cpuBase(int c) {
    return cpu(c);
  }

  int cpu(int c) {
    return cpuBase + c * cpuSize;
  }

  /** State index of private register {@code r} of CPU {@code c}. */
  public int reg(int c, int r) {
    return cpu(c) + regsOff + r;
  }
}
