package org.tlbscript.hw;

import java.util.Arrays;

/**
 * The x86 side of the model: per-CPU CR3 (root, PCID), TLB entries tagged by ASID,
 * paging-structure cache (PDE level) tagged by ASID, a FIFO store buffer (x86-TSO), pending
 * IPIs, and shared memory holding the page tables and the kernel's shared cells. It knows
 * nothing of Linux: the kernel layer reads and writes cells through {@link #load},
 * {@link #store}, {@link #rmw} and {@link #fence}.
 *
 * <p>Encodings (all {@code long}): a PTE is {@code pfn << 1 | writable} (0: none); a PMD entry
 * is a page-table id (0: none); a TLB entry is {@code pfn << 8 | root << 1 | writable}
 * (0: none); a paging-structure-cache entry is the id of the table it points to.
 */
public final class Machine {
  public final Layout layout;
  public final long[] s;
  /** x86-TSO store buffers; false means stores go straight to memory (SC). */
  public final boolean tso;
  /** CR4.PCIDE: without it every CR3 write drops all non-global entries. */
  public final boolean pcid;
  /**
   * Accesses to memory (not to this CPU's own registers, TLB or store buffer) since creation:
   * the explorer runs a step and checks this to see whether it stayed private. Not state.
   */
  public int memoryTouches;
  /** While set, every access to a shared resource is recorded there (the footprint reduction). Not state. */
  public Accesses accesses;

  private void read(int addr) {
    if (accesses != null) {
      accesses.read(addr, -1);
    }
  }

  private void written(int addr) {
    if (accesses != null) {
      accesses.write(addr, -1);
    }
  }

  public Machine(Layout layout, boolean tso, boolean pcid) {
    this(layout, new long[layout.size], tso, pcid);
  }

  private Machine(Layout layout, long[] s, boolean tso, boolean pcid) {
    this.layout = layout;
    this.s = s;
    this.tso = tso;
    this.pcid = pcid;
  }

  public Machine copy() {
    return new Machine(layout, s.clone(), tso, pcid);
  }

  /** A machine of the same kind over state {@code state} (not copied). */
  public Machine with(long[] state) {
    return new Machine(layout, state, tso, pcid);
  }

  /** A copy under another memory model. */
  public Machine withTso(boolean on) {
    return new Machine(layout, s.clone(), on, pcid);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Machine m && Arrays.equals(s, m.s);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(s);
  }

  private int cpu(int c) {
    return layout.cpu(c);
  }

  // ---------------------------------------------------------------- memory (x86-TSO)

  /**
   * A load by CPU {@code c}: its own store buffer first (newest entry wins), then memory. Even a
   * load its buffer serves counts as touching memory: once that entry drains (a move of its own,
   * concurrent with the load), the same load reads memory, which other CPUs write.
   */
  public long load(int c, int addr) {
    memoryTouches++;
    read(addr);
    int buffered = buffered(c, addr);
    return s[buffered >= 0 ? buffered : addr];
  }

  /** A load of a cell only CPU {@code c} ever writes (its own per-CPU variable): private. */
  public long loadOwn(int c, int addr) {
    int buffered = buffered(c, addr);
    return s[buffered >= 0 ? buffered : addr];
  }

  /** State index of the newest value CPU {@code c}'s store buffer holds for {@code addr}, or -1. */
  private int buffered(int c, int addr) {
    int base = cpu(c) + layout.sbOff;
    for (int i = (int) s[cpu(c) + Layout.SB_COUNT] - 1; i >= 0; i--) {
      if (s[base + 2 * i] == addr) {
        return base + 2 * i + 1;
      }
    }
    return -1;
  }

  /** A plain store: into the store buffer under TSO, straight to memory otherwise. */
  public void store(int c, int addr, long value) {
    int count = (int) s[cpu(c) + Layout.SB_COUNT];
    if (!tso) {
      memoryTouches++;
      written(addr);
      s[addr] = value;
      return;
    }
    if (count == layout.storeBufferSize) {
      // A real buffer (40 to 70 entries) would stall this store until its oldest entry drains;
      // draining it here would drop the interleavings in which it drains later, which a larger
      // buffer allows. The layout is too small for this run: say so rather than lose outcomes.
      throw new StoreBufferFull(c, layout.storeBufferSize);
    }
    int base = cpu(c) + layout.sbOff + 2 * count;
    s[base] = addr;
    s[base + 1] = value;
    s[cpu(c) + Layout.SB_COUNT] = count + 1;
  }

  /** A store found CPU {@code cpu}'s store buffer full: the layout holds too few entries for the run. */
  public static final class StoreBufferFull extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public final int cpu;

    StoreBufferFull(int cpu, int size) {
      super("cpu" + cpu + "'s store buffer is full: the model keeps " + size
          + " buffered stores per CPU, and this store would be one more");
      this.cpu = cpu;
    }
  }

  /** A locked read-modify-write: drains the buffer, then adds {@code delta}; returns the new value. */
  public long rmwAdd(int c, int addr, long delta) {
    fence(c);
    memoryTouches++;
    read(addr);
    written(addr);
    return s[addr] += delta;
  }

  /**
   * A locked read-modify-write of bits: drains the buffer, then sets or clears {@code bits}.
   * It returns nothing, so it reads nothing: writes of other bits of the word commute with it.
   */
  public void rmwBits(int c, int addr, long bits, boolean set) {
    fence(c);
    rmwBitsUnordered(c, addr, bits, set);
  }

  /**
   * {@link #rmwBits} without its barrier: the bits change in memory at once, older stores stay
   * in the buffer (tlbscript barriers asks whether a locked bit operation's ordering is needed).
   */
  public void rmwBitsUnordered(int c, int addr, long bits, boolean set) {
    memoryTouches++;
    if (accesses != null) {
      accesses.write(addr, bits);
    }
    s[addr] = set ? s[addr] | bits : s[addr] & ~bits;
  }

  /** LOCK CMPXCHG: drains the buffer; stores {@code value} if memory holds {@code expected}; returns the old value. */
  public long cmpxchg(int c, int addr, long expected, long value) {
    fence(c);
    memoryTouches++;
    read(addr);
    written(addr);
    long old = s[addr];
    if (old == expected) {
      s[addr] = value;
    }
    return old;
  }

  /** XCHG (implicitly locked): drains the buffer, stores {@code value}, returns the old value. */
  public long xchg(int c, int addr, long value) {
    fence(c);
    memoryTouches++;
    read(addr);
    written(addr);
    long old = s[addr];
    s[addr] = value;
    return old;
  }

  /** MFENCE (and anything serializing): drain the whole store buffer to memory. */
  public void fence(int c) {
    while (s[cpu(c) + Layout.SB_COUNT] > 0) {
      drainOne(c);
    }
  }

  public int storeBufferCount(int c) {
    return (int) s[cpu(c) + Layout.SB_COUNT];
  }

  /** Address and value of buffered store {@code i} (0 = oldest) of CPU {@code c}. */
  public long[] storeBufferEntry(int c, int i) {
    int base = cpu(c) + layout.sbOff + 2 * i;
    return new long[] {s[base], s[base + 1]};
  }

  /** The oldest buffered store of CPU {@code c} reaches memory. */
  public void drainOne(int c) {
    int base = cpu(c) + layout.sbOff;
    int count = (int) s[cpu(c) + Layout.SB_COUNT];
    memoryTouches++;
    written((int) s[base]);
    s[(int) s[base]] = s[base + 1];
    System.arraycopy(s, base + 2, s, base, 2 * (count - 1));
    s[base + 2 * (count - 1)] = 0;
    s[base + 2 * (count - 1) + 1] = 0;
    s[cpu(c) + Layout.SB_COUNT] = count - 1;
  }

  /** Memory as other CPUs see it (no store buffer). */
  public long memory(int addr) {
    memoryTouches++;
    read(addr);
    return s[addr];
  }

  // ---------------------------------------------------------------- CR3, TLB, PSC

  public int cr3Root(int c) {
    return (int) s[cpu(c) + Layout.CR3_ROOT];
  }

  public int cr3Asid(int c) {
    return (int) s[cpu(c) + Layout.CR3_ASID];
  }

  /** The PCID field of CR3: ASID + 1 with CR4.PCIDE (PCID 0 is left to PCID-unaware code), else 0. */
  public int pcidOf(int asid) {
    return pcid ? asid + 1 : 0;
  }

  /**
   * MOV to CR3. Serializing (drains the store buffer). Without NOFLUSH it drops the TLB and
   * paging-structure-cache entries of the new PCID; with CR4.PCIDE=0 it drops all of them.
   */
  public void writeCr3(int c, int root, int asid, boolean noflush) {
    fence(c);
    writeCr3Unordered(c, root, asid, noflush);
  }

  /** {@link #writeCr3} without serializing: older stores stay in the buffer (tlbscript barriers). */
  public void writeCr3Unordered(int c, int root, int asid, boolean noflush) {
    int b = cpu(c);
    s[b + Layout.CR3_ROOT] = root;
    s[b + Layout.CR3_ASID] = asid;
    count(c, Counter.CR3_WRITES, Layout.CR3_WRITES);
    if (!pcid) {
      for (int a = 0; a < Layout.ASIDS; a++) {
        dropAsid(c, a);
      }
      count(c, Counter.FULL_FLUSHES, Layout.FULL_FLUSHES);
    } else if (!noflush) {
      dropAsid(c, asid);
      count(c, Counter.FULL_FLUSHES, Layout.FULL_FLUSHES);
    }
  }

  /**
   * INVLPG: drops the entry for {@code va} in the current PCID and its whole paging-structure
   * cache. Serializing (SDM: a privileged serializing instruction), so it drains the store buffer.
   */
  public void invlpg(int c, long va) {
    fence(c);
    int asid = cr3Asid(c);
    int page = layout.page(va);
    if (page >= 0) {
      s[tlbIndex(c, asid, page)] = 0;
    }
    for (int r = 0; r < layout.regions(); r++) {
      s[pscIndex(c, asid, r)] = 0;
    }
    count(c, Counter.PARTIAL_FLUSHES, Layout.PARTIAL_FLUSHES);
  }

  private void dropAsid(int c, int asid) {
    Arrays.fill(s, tlbIndex(c, asid, 0), tlbIndex(c, asid, 0) + layout.pages(), 0);
    Arrays.fill(s, pscIndex(c, asid, 0), pscIndex(c, asid, 0) + layout.regions(), 0);
  }

  private int tlbIndex(int c, int asid, int page) {
    return cpu(c) + layout.tlbOff + asid * layout.pages() + page;
  }

  private int pscIndex(int c, int asid, int region) {
    return cpu(c) + layout.pscOff + asid * layout.regions() + region;
  }

  public long tlbEntry(int c, int asid, int page) {
    return s[tlbIndex(c, asid, page)];
  }

  public long pscEntry(int c, int asid, int region) {
    return s[pscIndex(c, asid, region)];
  }

  public static long entryPfn(long entry) {
    return entry >>> 8;
  }

  public static int entryRoot(long entry) {
    return (int) ((entry >>> 1) & 0x7f);
  }

  public static boolean entryWritable(long entry) {
    return (entry & 1) != 0;
  }

  public static long pte(long pfn, boolean writable) {
    return pfn << 1 | (writable ? 1 : 0);
  }

  public static long ptePfn(long pte) {
    return pte >>> 1;
  }

  public static boolean pteWritable(long pte) {
    return (pte & 1) != 0;
  }

  /** What a translation attempt did. {@code table} is the page-table id walked (0: none). */
  public record Access(Kind kind, long entry, int table, boolean viaPsc) {
    public enum Kind { HIT, FILLED, NOT_PRESENT, PROTECTION }
  }

  /**
   * A translation of {@code va} through the current CR3, as a user access or a speculative
   * walk: a TLB hit, or a walk (from the paging-structure cache when it holds the PDE, else from
   * the PMD entry in memory) that fills the TLB and the cache. The walker reads memory, never
   * the store buffer.
   */
  public Access translate(int c, long va, boolean write) {
    int root = cr3Root(c);
    int asid = cr3Asid(c);
    int page = layout.page(va);
    if (page < 0) {
      return new Access(Access.Kind.NOT_PRESENT, 0, 0, false);
    }
    long entry = s[tlbIndex(c, asid, page)];
    int region = layout.regionOf(page);
    // a hit too: the checkers compare the entry with the page tables in memory
    read(layout.pmdCell(root, region));
    read(layout.pteCell(root, page));
    if (entry != 0 && (!write || entryWritable(entry))) {
      return new Access(Access.Kind.HIT, entry, 0, false);
    }
    memoryTouches++; // a walk reads the page tables in memory
    int table = (int) s[pscIndex(c, asid, region)];
    boolean viaPsc = table != 0;
    if (!viaPsc) {
      table = (int) s[layout.pmdCell(root, region)];
      if (table == 0) {
        return new Access(Access.Kind.NOT_PRESENT, 0, 0, false);
      }
      s[pscIndex(c, asid, region)] = table;
    }
    long pte = s[layout.pteCell(root, page)];
    if (pte == 0) {
      return new Access(Access.Kind.NOT_PRESENT, 0, table, viaPsc);
    }
    long filled = ptePfn(pte) << 8 | (long) root << 1 | (pteWritable(pte) ? 1 : 0);
    s[tlbIndex(c, asid, page)] = filled;
    if (write && !pteWritable(pte)) {
      return new Access(Access.Kind.PROTECTION, filled, table, viaPsc);
    }
    return new Access(Access.Kind.FILLED, filled, table, viaPsc);
  }

  // ---------------------------------------------------------------- IPIs

  /** Posts an IPI from {@code from} to every CPU in {@code targets}; sending orders memory like a fence. */
  public void sendIpis(int from, long targets) {
    sendIpis(from, targets, true);
  }

  /** As {@link #sendIpis(int, long)}; without {@code ordered}, older stores stay buffered (tlbscript barriers). */
  public void sendIpis(int from, long targets, boolean ordered) {
    if (ordered) {
      fence(from);
    }
    memoryTouches++;
    for (int t = 0; t < layout.cpus; t++) {
      if ((targets >>> t & 1) != 0) {
        if (accesses != null) {
          accesses.write(Accesses.ipi(layout, t), -1);
        }
        s[cpu(t) + Layout.IPI_PENDING] |= 1L << from;
      }
    }
  }

  public long pendingIpis(int c) {
    return s[cpu(c) + Layout.IPI_PENDING];
  }

  /** Interrupt entry on {@code c} for the IPI from {@code from}: serializing, counted. */
  public void takeIpi(int c, int from) {
    fence(c);
    if (accesses != null) {
      accesses.read(Accesses.ipi(layout, c), -1);
      accesses.write(Accesses.ipi(layout, c), -1);
    }
    s[cpu(c) + Layout.IPI_PENDING] &= ~(1L << from);
    count(c, Counter.IPIS_TAKEN, Layout.IPIS_TAKEN);
  }

  // ---------------------------------------------------------------- counters

  /** Counts one more in CPU {@code c}'s field {@code field}, if the run keeps {@code counter}. */
  private void count(int c, Counter counter, int field) {
    if (layout.counts(counter)) {
      s[cpu(c) + field]++;
    }
  }

  public long cr3Writes(int c) {
    return s[cpu(c) + Layout.CR3_WRITES];
  }

  public long fullFlushes(int c) {
    return s[cpu(c) + Layout.FULL_FLUSHES];
  }

  /** INVLPG instructions executed. */
  public long invlpgs(int c) {
    return s[cpu(c) + Layout.PARTIAL_FLUSHES];
  }

  public long ipisTaken(int c) {
    return s[cpu(c) + Layout.IPIS_TAKEN];
  }

  // ---------------------------------------------------------------- raw cells for upper layers

  public long reg(int c, int r) {
    return s[layout.reg(c, r)];
  }

  public void setReg(int c, int r, long v) {
    s[layout.reg(c, r)] = v;
  }

  public long global(int g) {
    read(g);
    return s[g];
  }

  public void setGlobal(int g, long v) {
    written(g);
    s[g] = v;
  }

  /** Direct memory write for set-up and ghost bookkeeping (no store buffer). */
  public void poke(int addr, long v) {
    memoryTouches++;
    written(addr);
    s[addr] = v;
  }

  // ---------------------------------------------------------------- renaming CPUs

  /** How the layer above renames CPUs in shared memory cells (see {@link #renameCpus}). */
  public interface CellRenaming {
    /** Where cell {@code addr} (a per-CPU variable, say) lives under the renaming. */
    int address(int addr);

    /** What cell {@code addr} holds under the renaming, for {@code v} (a cpumask, say). */
    long value(int addr, long v);
  }

  /**
   * State {@code s} with CPU c renamed p[c], written into {@code dst}: CPU c's block (CR3, counters,
   * TLB, paging-structure cache, store buffer, registers) becomes CPU p[c]'s, pending IPIs name
   * their senders by the new numbers, and the kernel's shared cells, in memory and in store
   * buffers, go through {@code cells}. Page tables, which name no CPU, are copied; so are the
   * globals and the registers, whose contents are the layer above's to rename.
   */
  public static void renameCpus(Layout layout, long[] s, int[] p, long[] dst, CellRenaming cells) {
    System.arraycopy(s, 0, dst, 0, layout.cpuBase);
    for (int a = layout.memBase; a < layout.pmdBase; a++) {
      dst[cells.address(a)] = cells.value(a, s[a]);
    }
    for (int c = 0; c < layout.cpus; c++) {
      int from = layout.cpu(c);
      int to = layout.cpu(p[c]);
      System.arraycopy(s, from, dst, to, layout.cpuSize);
      dst[to + Layout.IPI_PENDING] = renameMask(s[from + Layout.IPI_PENDING], p);
      for (int e = to + layout.sbOff; e < to + layout.regsOff; e += 2) {
        int addr = (int) dst[e];
        dst[e] = cells.address(addr);
        dst[e + 1] = cells.value(addr, dst[e + 1]);
      }
    }
  }

  /**
   * A hash of CPU {@code c}'s CR3, counters, TLB and paging-structure cache, and how many stores
   * it has buffered: the part of its block that names no CPU, so renaming CPUs moves it along.
   */
  public long hardwareHash(int c) {
    int b = cpu(c);
    long h = 0;
    for (int j = 0; j < layout.sbOff; j++) {
      h = (h + (j == Layout.IPI_PENDING ? 0 : s[b + j])) * 0x9E3779B97F4A7C15L;
    }
    return h;
  }

  /** The cpumask {@code mask} with CPU c renamed p[c]. */
  public static long renameMask(long mask, int[] p) {
    long out = 0;
    for (long bits = mask; bits != 0; bits &= bits - 1) {
      out |= 1L << p[Long.numberOfTrailingZeros(bits)];
    }
    return out;
  }

  /** Initial CR3 at boot (no counters touched). */
  public void bootCr3(int c, int root, int asid) {
    s[cpu(c) + Layout.CR3_ROOT] = root;
    s[cpu(c) + Layout.CR3_ASID] = asid;
  }
}
