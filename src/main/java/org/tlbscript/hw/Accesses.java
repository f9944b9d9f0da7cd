package org.tlbscript.hw;

/**
 * Which shared resources a move read and wrote, recorded by the {@link Machine} while
 * {@link Machine#accesses} is set: the explorer's footprint reduction compares them with what
 * other CPUs may still touch. A resource is a memory cell (globals and ghosts, the kernel's
 * shared cells, page tables: indices below {@link Layout#memoryEnd}) or one of two per-CPU
 * parts of a CPU's block that other CPUs reach: its pending IPIs ({@link #ipi}) and the
 * flush_tlb_info and wait mask its IPIs' handlers read and clear ({@link #ack}). Each
 * resource is a word of bits: a cpumask's bits are apart (a CPU sets or clears only its own
 * bit, and such writes commute), every other cell is read and written whole (-1).
 */
public final class Accesses {
  public final long[] read;
  public final long[] write;
  private final int[] touched;
  private int n;

  public Accesses(Layout l) {
    int size = resources(l);
    read = new long[size];
    write = new long[size];
    touched = new int[size];
  }

  /** How many resources a layout has: its memory cells, then IPI and ACK per CPU. */
  public static int resources(Layout l) {
    return l.memoryEnd() + 2 * l.cpus;
  }

  /** CPU {@code c}'s pending-IPI bits, as a resource. */
  public static int ipi(Layout l, int c) {
    return l.memoryEnd() + c;
  }

  /** The flush_tlb_info and wait mask of CPU {@code c}, which its IPIs' handlers read and clear. */
  public static int ack(Layout l, int c) {
    return l.memoryEnd() + l.cpus + c;
  }

  public void read(int r, long bits) {
    mark(r);
    read[r] |= bits;
  }

  public void write(int r, long bits) {
    mark(r);
    write[r] |= bits;
  }

  private void mark(int r) {
    if (read[r] == 0 && write[r] == 0) {
      touched[n++] = r;
    }
  }

  /** Forgets everything recorded. */
  public void clear() {
    for (int i = 0; i < n; i++) {
      read[touched[i]] = 0;
      write[touched[i]] = 0;
    }
    n = 0;
  }

  /** Adds what {@code o} recorded. */
  public void addAll(Accesses o) {
    for (int i = 0; i < o.n; i++) {
      int r = o.touched[i];
      if (o.read[r] != 0) {
        read(r, o.read[r]);
      }
      if (o.write[r] != 0) {
        write(r, o.write[r]);
      }
    }
  }

  /**
   * Whether these accesses conflict with {@code fr}/{@code fw} (a footprint's reads and writes,
   * indexed as here): one writes what the other reads or writes.
   */
  public boolean conflicts(long[] fr, long[] fw) {
    for (int i = 0; i < n; i++) {
      int r = touched[i];
      if ((write[r] & (fr[r] | fw[r])) != 0 || (read[r] & fw[r]) != 0) {
        return true;
      }
    }
    return false;
  }

  /** The first resource recorded here that {@code fr}/{@code fw} do not allow, or -1 (checks a footprint). */
  public int outside(long[] fr, long[] fw) {
    for (int i = 0; i < n; i++) {
      int r = touched[i];
      if ((read[r] & ~(fr[r] | fw[r])) != 0 || (write[r] & ~fw[r]) != 0) {
        return r;
      }
    }
    return -1;
  }
}
