package org.tlbscript.engine;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's memory as the system counts it: its resident set (Linux's /proc/self/statm),
 * which takes in the heap, the visited set off the heap, and the JVM itself. Where /proc is
 * missing, the heap in use plus what the caller adds.
 */
final class ProcessMemory {
  private ProcessMemory() {}

  private static final Path STATM = Path.of("/proc/self/statm");
  /** The kernel's page size on x86-64 (statm counts pages). */
  private static final long PAGE = 4096;

  /** Resident bytes, or -1 where the system does not say. */
  static long resident() {
    try {
      String[] f = Files.readString(STATM).trim().split("\\s+");
      return Long.parseLong(f[1]) * PAGE;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Resident bytes, or (without /proc) the heap in use plus {@code offHeap}. */
  static long inUse(long offHeap) {
    long rss = resident();
    if (rss >= 0) {
      return rss;
    }
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory() + offHeap;
  }

  /** Half of the machine's memory: the default bound, with room for the rest of the system. */
  static long defaultBound() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize() / 2;
    }
    return Runtime.getRuntime().maxMemory();
  }
}
