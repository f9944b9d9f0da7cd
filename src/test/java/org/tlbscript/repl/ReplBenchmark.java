package org.tlbscript.repl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Latency of one statement at the REPL prompt (the engine call, not the terminal): a session of
 * statements typed one by one, new CPUs, mms and pages appearing as it goes (each forces a
 * rebuild by replay). Run by bench/repl.sh; not a unit test. Target: under 20 ms per statement.
 */
public final class ReplBenchmark {
  static final String[] SESSION = {
      "cpu0 switch mm1", "cpu1 switch mm1", "cpu1 touch mm1 0x2000", "cpu1 switch kernel",
      "cpu0 unmap mm1 0x2000", "assert ipis cpu1 0", "assert stale none", "cpu1 switch mm1",
      "cpu2 switch mm2", "cpu2 touch mm2 0x5000", "cpu0 touch mm1 0x400000", "cpu3 switch mm1",
      "cpu3 touch mm1 0x400000", "cpu0 protect mm1 0x400000", "assert stale none", "cpu2 idle",
      "cpu2 use mm1", "cpu2 touch mm1 0x400000", "cpu2 unuse mm1", "cpu0 free-tables mm1 0x0..0x200000",
      "show state", "cpu1 switch mm3", "cpu1 touch mm3 0x7000", "cpu0 flush mm1 all",
      "assert freed-walk none", "tick 1000", "cpu3 remap mm1 0x400000", "assert stale none",
      "cpu1 begin switch mm1", "cpu1 step 3", "cpu1 finish", "assert cpu1 loaded mm1"};

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    List<Long> times = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      Workspace ws = new Workspace(null);
      int line = 0;
      for (String s : SESSION) {
        long t0 = System.nanoTime();
        String out = ws.eval("<bench>", s, ++line);
        long t = System.nanoTime() - t0;
        if (out.contains("error")) {
          throw new IllegalStateException("statement failed: " + s + "\n" + out);
        }
        if (round >= rounds / 2) {
          times.add(t);
        }
      }
    }
    long[] a = times.stream().mapToLong(Long::longValue).sorted().toArray();
    double mean = Arrays.stream(a).average().orElse(0) / 1e6;
    System.out.printf("repl statement  mean %6.3f ms  p50 %6.3f ms  p99 %6.3f ms  max %6.3f ms  (n=%d, %d-statement session)  [target < 20 ms: %s]%n",
        mean, a[a.length / 2] / 1e6, a[(int) (a.length * 0.99)] / 1e6, a[a.length - 1] / 1e6, a.length,
        SESSION.length, a[(int) (a.length * 0.99)] / 1e6 < 20 ? "OK" : "MISSED");
  }
}
