package org.tlbscript.engine;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;

/**
 * The explorer's visited set, and the fingerprints it holds ({@link #fingerprint}, updated
 * from a parent's by {@link #sumAfter}): 64-bit fingerprints (0 is stored as 1) in 64
 * open-addressing segments, chosen by a fingerprint's top bits, each at most 80% full and
 * doubled on its own. Segments start at staggered sizes, so that they double at different
 * moments and the set grows smoothly (about 14 bytes a state). A probe past a few slots stays
 * in the same cache lines, so the high load costs less than the memory it saves.
 *
 * <p>The segments live outside the Java heap and are freed by {@link #close}. On the heap, every
 * doubling left a large dead array, and the collector moved the whole live table each time it
 * compacted them away: a tenth of the run on the large benchmark (TLC's OffHeapDiskFPSet keeps
 * its fingerprints off the heap too). Memory comes from {@code sun.misc.Unsafe}, reached through
 * method handles so that the build stays free of internal-API warnings.
 */
final class FingerprintSet implements AutoCloseable {
  private static final int SEGMENTS = 64;
  private final long[] address = new long[SEGMENTS];
  private final int[] capacity = new int[SEGMENTS];
  private final int[] size = new int[SEGMENTS];
  private final int[] limit = new int[SEGMENTS];
  private final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
  /** One lock per segment once several threads add ({@link #concurrent}), else null. */
  private Object[] locks;

  /** From now on several threads may add at once: each segment is locked while one does. */
  void concurrent() {
    if (locks == null) {
      Object[] l = new Object[SEGMENTS];
      for (int g = 0; g < SEGMENTS; g++) {
        l[g] = new Object();
      }
      locks = l;
    }
  }

  FingerprintSet() {
    for (int g = 0; g < SEGMENTS; g++) {
      allocate(g, 256 + 4 * g);
    }
  }

  /** Adds {@code fp}; false when it was already there. */
  boolean add(long fp) {
    if (fp == 0) {
      fp = 1;
    }
    int g = (int) (fp >>> 58);
    if (locks != null) {
      synchronized (locks[g]) {
        return add(g, fp);
      }
    }
    return add(g, fp);
  }

  private boolean add(int g, long fp) {
    if (size[g] >= limit[g]) {
      grow(g);
    }
    long a = address[g];
    int n = capacity[g];
    int i = home(fp, n);
    for (long v; (v = Memory.get(a, i)) != 0; ) {
      if (v == fp) {
        return false;
      }
      if (++i == n) {
        i = 0;
      }
    }
    Memory.put(a, i, fp);
    size[g]++;
    return true;
  }

  /** The bytes the segments take. */
  long bytes() {
    return bytes.get();
  }

  @Override
  public void close() {
    for (int g = 0; g < SEGMENTS; g++) {
      Memory.free(address[g]);
      address[g] = 0;
    }
    bytes.set(0);
  }

  /** Where {@code fp}'s probe starts in a segment of {@code n} slots (bits the segment choice left). */
  private static int home(long fp, int n) {
    return (int) (((fp >>> 26) & 0xFFFFFFFFL) * n >>> 32);
  }

  private void allocate(int g, int n) {
    address[g] = Memory.allocate(n);
    capacity[g] = n;
    limit[g] = n / 5 * 4;
    size[g] = 0;
    bytes.addAndGet(8L * n);
  }

  private void grow(int g) {
    long old = address[g];
    int n = capacity[g];
    allocate(g, 2 * n);
    for (int i = 0; i < n; i++) {
      long v = Memory.get(old, i);
      if (v != 0) {
        add(g, v);
      }
    }
    Memory.free(old);
    bytes.addAndGet(-8L * n);
  }

  /**
   * A 64-bit fingerprint of a state (collisions are possible but vanishingly rare): a mixed
   * {@link #sum} of independent per-cell terms. Because the terms are independent, a successor's
   * sum is its parent's plus the terms of the few cells a move changed ({@link #sumAfter}).
   */
  static long fingerprint(long[] s) {
    return finish(sum(s));
  }

  static long finish(long sum) {
    long h = sum;
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    return h;
  }

  /** The sum of a mixed (index, value) term per non-zero cell. */
  static long sum(long[] s) {
    long h = s.length;
    for (int i = 0; i < s.length; i++) {
      h += term(i, s[i]);
    }
    return h;
  }

  private static long term(int i, long v) {
    if (v == 0) {
      return 0;
    }
    long x = (v + i * 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
    x ^= x >>> 32;
    x *= 0x94D049BB133111EBL;
    return x ^ (x >>> 29);
  }

  /**
   * The sum of {@code child} from its parent's: the cells that differ are found by
   * {@link Arrays#mismatch}, which compares many cells per instruction.
   */
  static long sumAfter(long parentSum, long[] parent, long[] child) {
    long h = parentSum;
    int n = child.length;
    for (int i = Arrays.mismatch(parent, child); i >= 0; ) {
      h += term(i, child[i]) - term(i, parent[i]);
      int d = Arrays.mismatch(parent, i + 1, n, child, i + 1, n);
      i = d < 0 ? -1 : i + 1 + d;
    }
    return h;
  }

  /** Zeroed native arrays of longs (through {@code sun.misc.Unsafe}). */
  private static final class Memory {
    private static final MethodHandle ALLOCATE;
    private static final MethodHandle FILL;
    private static final MethodHandle FREE;
    private static final MethodHandle GET;
    private static final MethodHandle PUT;

    static {
      try {
        Class<?> type = Class.forName("sun.misc.Unsafe");
        java.lang.reflect.Field f = type.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        Object unsafe = f.get(null);
        MethodHandles.Lookup l = MethodHandles.lookup();
        ALLOCATE = l.findVirtual(type, "allocateMemory", MethodType.methodType(long.class, long.class)).bindTo(unsafe);
        FILL = l.findVirtual(type, "setMemory", MethodType.methodType(void.class, long.class, long.class, byte.class))
            .bindTo(unsafe);
        FREE = l.findVirtual(type, "freeMemory", MethodType.methodType(void.class, long.class)).bindTo(unsafe);
        GET = l.findVirtual(type, "getLong", MethodType.methodType(long.class, long.class)).bindTo(unsafe);
        PUT = l.findVirtual(type, "putLong", MethodType.methodType(void.class, long.class, long.class)).bindTo(unsafe);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private Memory() {}

    static long allocate(int longs) {
      try {
        long a = (long) ALLOCATE.invokeExact(8L * longs);
        FILL.invokeExact(a, 8L * longs, (byte) 0);
        return a;
      } catch (Throwable e) {
        throw rethrow(e);
      }
    }

    static void free(long a) {
      try {
        FREE.invokeExact(a);
      } catch (Throwable e) {
        throw rethrow(e);
      }
    }

    static long get(long a, int i) {
      try {
        return (long) GET.invokeExact(a + 8L * i);
      } catch (Throwable e) {
        throw rethrow(e);
      }
    }

    static void put(long a, int i, long v) {
      try {
        PUT.invokeExact(a + 8L * i, v);
      } catch (Throwable e) {
        throw rethrow(e);
      }
    }

    /** Unsafe throws nothing checked; an OutOfMemoryError (no native memory left) passes through. */
    private static RuntimeException rethrow(Throwable e) {
      if (e instanceof Error err) {
        throw err;
      }
      throw (RuntimeException) e;
    }
  }
}
