package org.tlbscript.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Checker;
import org.tlbscript.lang.Parser;
import org.tlbscript.lang.Source;
import org.tlbscript.session.Outcome;
import org.tlbscript.session.Session;

/**
 * Benchmark (not a test: it has no JUnit annotations and its name does not end in Test, so
 * Surefire ignores it). Reports the mean time of one sequential action: a realistic scenario
 * is parsed and checked once, then run again and again on a fresh {@link Session}, timing each
 * {@link Session#execute} of an action on its own. Session construction is timed separately.
 *
 * <p>Usage: {@code java -cp target/tlbscript.jar:target/test-classes
 * org.tlbscript.bench.ActionBenchmark [--warmup SECONDS] [--measure SECONDS] [FILE.tlbs]}.
 * Without a file it uses the built-in scenario below. Target (issue): under 10 us per action.
 */
public final class ActionBenchmark {
  private ActionBenchmark() {}

  /** 4 CPUs, 2 mms: switches, touches, idle, use/unuse, unmaps, range and full flushes. */
  static final String SCENARIO = """
      # benchmark scenario: a busy 4-CPU machine with two processes
      kernel v4.20
      cpus 4
      pcid on

      cpu0 switch mm1
      cpu1 switch mm1
      cpu2 switch mm2
      cpu3 switch mm2
      cpu0 touch mm1 0x1000
      cpu0 touch mm1 0x2000 write
      cpu1 touch mm1 0x2000
      cpu1 touch mm1 0x3000
      cpu2 touch mm2 0x1000
      cpu3 touch mm2 0x4000 write
      cpu1 idle
      cpu0 unmap mm1 0x2000
      cpu1 switch mm1
      cpu1 touch mm1 0x1000
      cpu2 unmap mm2 0x1000..0x3000
      cpu3 switch mm1
      cpu3 touch mm1 0x3000
      cpu0 flush mm1 range 0x1000..0x4000
      cpu2 touch mm2 0x4000
      cpu3 switch kernel
      cpu3 use mm2
      cpu3 touch mm2 0x4000
      cpu3 unuse mm2
      cpu2 flush mm2 all
      cpu0 switch mm2
      cpu0 touch mm2 0x4000
      cpu1 unmap mm1 0x3000
      cpu2 idle
      cpu0 flush mm2 range
      cpu1 flush mm1 all
      cpu2 switch mm1
      cpu2 touch mm1 0x1000 write
      cpu0 switch mm1
      cpu0 unmap mm1 0x1000
      assert stale none
      """;

  private static volatile long sink;

  public static void main(String[] args) throws IOException {
    double warmupS = 2;
    double measureS = 5;
    Source source = new Source("<built-in benchmark scenario>", SCENARIO);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--warmup" -> warmupS = Double.parseDouble(args[++i]);
        case "--measure" -> measureS = Double.parseDouble(args[++i]);
        default -> {
          Path p = Path.of(args[i]);
          source = new Source(p.toString(), Files.readString(p, StandardCharsets.UTF_8));
        }
      }
    }

    final Source src = source;
    // Parse and check once; fail loudly if the scenario is not valid or does not pass.
    Parser.Result parsed = Parser.parse(source);
    if (!parsed.ok()) {
      throw new IllegalStateException("scenario does not parse: " + parsed.diagnostics());
    }
    Checker.Result checked = Checker.check(parsed.statements(), Models.names());
    if (!checked.ok()) {
      throw new IllegalStateException("scenario does not check: " + checked.diagnostics());
    }
    String kernel = checked.setup().kernel() != null ? checked.setup().kernel() : Models.DEFAULT;
    KernelModel model = Models.find(kernel).orElseThrow();
    Checker.Setup setup = checked.setup();
    Session probe = new Session(model, setup);
    for (Ast.Stmt s : parsed.statements()) {
      Outcome o = probe.execute(s);
      if (o.status() != Outcome.Status.OK) {
        throw new IllegalStateException("scenario does not pass at line " + s.pos().line() + ": "
            + o.status() + " " + o.diagnostic());
      }
    }

    List<Ast.Action> actions = new ArrayList<>();
    for (Ast.Stmt s : parsed.statements()) {
      if (s instanceof Ast.Action a) {
        actions.add(a);
      }
    }
    Ast.Action[] acts = actions.toArray(new Ast.Action[0]);
    int[] group = new int[acts.length];
    for (int i = 0; i < acts.length; i++) {
      group[i] = groupOf(acts[i].verb());
    }

    // Warm up (same loop as the measurement, results discarded).
    Samples warm = new Samples(acts.length, 1 << 16);
    runFor(model, setup, acts, warmupS, warm);

    // Measure.
    Samples m = new Samples(acts.length, 1 << 20);
    long wallStart = System.nanoTime();
    runFor(model, setup, acts, measureS, m);
    long wall = System.nanoTime() - wallStart;

    // Parse, then check, of the scenario text (what `run` does before the actions), ~0.5 s each.
    long parseMean = meanNanos(500_000_000L, () -> sink += Parser.parse(src).statements().size());
    List<Ast.Stmt> stmts = parsed.statements();
    long checkMean = meanNanos(500_000_000L,
        () -> sink += Checker.check(stmts, Models.names()).diagnostics().size());

    // Report.
    long[] all = Arrays.copyOf(m.nanos, m.n);
    long total = 0;
    for (long v : all) {
      total += v;
    }
    Arrays.sort(all);
    double mean = (double) total / all.length;
    out("scenario        %s (kernel %s, %d cpus, %d actions/run)", source.name(), model.name,
        setup.cpuCount(), acts.length);
    out("measured        %d actions in %d runs (%.1f s warm-up, %.1f s measuring)",
        all.length, m.runs, warmupS, wall / 1e9);
    out("action          mean %s  p50 %s  p99 %s  max %s  [target < 10 us: %s]", us(mean),
        us(pct(all, 50)), us(pct(all, 99)), us(all[all.length - 1]), mean < 10_000 ? "OK" : "MISSED");

    Map<String, List<Long>> byGroup = new LinkedHashMap<>();
    for (String g : GROUPS) {
      byGroup.put(g, new ArrayList<>());
    }
    for (int i = 0; i < m.n; i++) {
      byGroup.get(GROUPS[group[m.index[i]]]).add(m.nanos[i]);
    }
    for (Map.Entry<String, List<Long>> e : byGroup.entrySet()) {
      List<Long> v = e.getValue();
      if (v.isEmpty()) {
        continue;
      }
      long[] a = v.stream().mapToLong(Long::longValue).sorted().toArray();
      out("  %-13s mean %s  p50 %s  p99 %s  (n=%d)", e.getKey(),
          us(Arrays.stream(a).average().orElse(0)), us(pct(a, 50)), us(pct(a, 99)), a.length);
    }
    out("new Session    mean %s per run (not included above)", us((double) m.sessionNanos / m.runs));
    out("parse          mean %s per scenario file (%d lines)", us(parseMean), source.lines().size());
    out("check          mean %s per scenario file", us(checkMean));
    if (sink == 42) {
      System.out.println();
    }
  }

  static final String[] GROUPS = {"switch", "touch", "unmap", "flush", "use/unuse", "other"};

  static int groupOf(Ast.Verb v) {
    return switch (v) {
      case SWITCH, SWITCH_KERNEL, LEAVE -> 0;
      case TOUCH -> 1;
      case UNMAP -> 2;
      case FLUSH_RANGE, FLUSH_ALL -> 3;
      case USE, UNUSE -> 4;
      default -> 5;
    };
  }

  /** One sample per executed action: its duration and its index in the scenario. */
  static final class Samples {
    long[] nanos;
    int[] index;
    int n;
    long runs;
    long sessionNanos;

    Samples(int perRun, int initial) {
      nanos = new long[Math.max(initial, perRun)];
      index = new int[nanos.length];
    }

    void add(long ns, int i) {
      if (n == nanos.length) {
        nanos = Arrays.copyOf(nanos, n * 2);
        index = Arrays.copyOf(index, n * 2);
      }
      nanos[n] = ns;
      index[n++] = i;
    }
  }

  static void runFor(KernelModel model, Checker.Setup setup, Ast.Action[] acts, double seconds,
      Samples s) {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long acc = 0;
    do {
      long t0 = System.nanoTime();
      Session session = new Session(model, setup);
      long t1 = System.nanoTime();
      s.sessionNanos += t1 - t0;
      for (int i = 0; i < acts.length; i++) {
        long a = System.nanoTime();
        Outcome o = session.execute(acts[i]);
        long b = System.nanoTime();
        s.add(b - a, i);
        acc += o.status().ordinal() + o.output().length();
      }
      s.runs++;
    } while (System.nanoTime() < deadline);
    sink += acc;
  }

  static long meanNanos(long budget, Runnable r) {
    long count = 0;
    long start = System.nanoTime();
    long deadline = start + budget;
    while (System.nanoTime() < deadline) {
      r.run();
      count++;
    }
    return (System.nanoTime() - start) / count;
  }

  static long pct(long[] sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  static String us(double ns) {
    return String.format(Locale.ROOT, "%7.2f us", ns / 1000.0);
  }

  static void out(String fmt, Object... args) {
    System.out.println(String.format(Locale.ROOT, fmt, args));
  }
}
