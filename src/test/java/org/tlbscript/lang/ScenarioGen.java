package org.tlbscript.lang;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.tlbscript.kernels.Models;

/**
 * Random scenario text from the grammar's vocabulary (Tlbs.g4: headers, every action, together
 * blocks and lanes, manual stepping, every assertion, `on`, show, trace, comments), mostly
 * well formed and biased towards runs that get somewhere: a CPU acts on the mm it last switched
 * to. Out-of-range values (CPUs, addresses, counts) come now and then; {@link Mutator} breaks
 * the rest.
 */
final class ScenarioGen {
  static final String[] PAGES = {"0x1000", "0x2000", "0x3000", "0x5000", "0x200000", "0x201000", "0x400000",
      "8192", "4K", "0x20_0000", "2M"};
  /** Addresses that are wrong, or right only at the edge. */
  static final String[] ODD_ADDRESSES = {"0", "0x7fffffffe000", "0x7ffffffff000", "0x1234", "0x800000000000",
      "0xffffffffffffffff", "1G", "0x3fffffffffffffff", "4611686018427387904", "0x", "0_"};
  static final String[] RANGES = {"0x1000..0x3000", "0x2000..0x4000", "0x1000..0x6000", "0..0x200000",
      "0x200000..0x400000", "0..0x400000", "0x3000..0x2000", "0x2000..0x2000", "0x1000..0x7ffffffff000",
      "0x7fffffe00000..0x7ffffffff000", "0x1000..0x1001"};
  static final String[] LABELS = {"SW1", "SW2", "SW2c", "SW2d", "SW3c", "SW4", "F2", "F8", "F8b", "ZP2", "ZP3", "UA1",
      "EL2", "FF1", "RM2", "NOPE", "sw1"};
  static final String[] COMMENTS = {"# a comment", "#", "# cpu0 switch mm1", "# → ü 😀 naïve", "#\tTAB"};

  final SplittableRandom r;
  private final int cpus;
  /** What each CPU runs, as the generator believes: an mm name, or null for a kernel thread. */
  private final String[] running;
  /** The mms actions have named so far: assertions and shows mostly ask about those. */
  private final List<String> named = new ArrayList<>();

  ScenarioGen(SplittableRandom r) {
    this.r = r;
    this.cpus = 1 + r.nextInt(4);
    this.running = new String[cpus];
  }

  boolean p(double chance) {
    return r.nextDouble() < chance;
  }

  <T> T pick(T[] a) {
    return a[r.nextInt(a.length)];
  }

  <T> T pick(List<T> a) {
    return a.get(r.nextInt(a.size()));
  }

  // ------------------------------------------------------------------ values

  int cpuNo() {
    return p(0.005) ? pick(new Integer[] {cpus, 63, 64, 99}) : r.nextInt(cpus);
  }

  String cpu() {
    return p(0.005) ? "cpu99999999999" : "cpu" + cpuNo();
  }

  String mm() {
    String m = p(0.005) ? pick(new String[] {"init_mm", "mn1", "mm0", "mm99999999999999999999", "foo"}) : "mm" + (1 + r.nextInt(3));
    if (!named.contains(m)) {
      named.add(m);
    }
    return m;
  }

  /** An mm to ask about: one an action named, mostly. */
  String knownMm() {
    return named.isEmpty() || p(0.05) ? mm() : pick(named);
  }

  /** The mm {@code cpu} runs, mostly: actions that need one then get somewhere. */
  String mmOf(int cpu) {
    return cpu < cpus && running[cpu] != null && p(0.8) ? running[cpu] : mm();
  }

  String addr() {
    return p(0.01) ? pick(ODD_ADDRESSES) : pick(PAGES);
  }

  String range() {
    return p(0.3) ? pick(p(0.7) ? new String[] {RANGES[0], RANGES[1], RANGES[2], RANGES[3]} : RANGES) : addr();
  }

  String count() {
    return p(0.015) ? pick(new String[] {"99999999999999999999", "4611686018427387903", "1000001", "0x10", "1_000"})
        : String.valueOf(r.nextInt(4));
  }

  String kernelName() {
    return p(0.03) ? pick(new String[] {"v4.2", "all", "v9.99", "on"}) : pick(Models.knownNames());
  }

  // ------------------------------------------------------------------ statements

  List<String> headers() {
    List<String> out = new ArrayList<>();
    if (p(0.7)) {
      out.add("kernel " + (p(0.04) ? "all" : kernelName()));
    }
    if (p(0.6)) {
      out.add("cpus " + (p(0.05) ? pick(new String[] {"0", "65", "64", "3000000000", "-1"}) : String.valueOf(cpus)));
    }
    if (p(0.3)) {
      out.add("pcid " + (p(0.5) ? "on" : "off"));
    }
    if (p(0.2)) {
      out.add("ceiling " + (p(0.1) ? "1048577" : pick(new String[] {"0", "1", "2", "33", "1048576"})));
    }
    if (p(0.3)) {
      out.add("memory " + (p(0.5) ? "tso" : "sc"));
    }
    if (p(0.15)) {
      out.add("speculate " + (p(0.5) ? "on" : "off"));
    }
    java.util.Collections.shuffle(out, new java.util.Random(r.nextLong()));
    return out;
  }

  /** What a CPU does (after `cpuN ` or in a lane); updates what it runs. */
  String cpuAction(int cpu, boolean inLane) {
    String mm = mmOf(cpu);
    String a = switch (r.nextInt(inLane ? 20 : 22)) {
      case 0, 1, 2 -> {
        String m = mm();
        setRunning(cpu, m);
        yield "switch " + m;
      }
      case 3 -> {
        setRunning(cpu, null);
        yield p(0.5) ? "switch kernel" : "idle";
      }
      case 4 -> "use " + mm();
      case 5 -> "unuse " + mm;
      case 6 -> "leave";
      case 7, 8, 9 -> "touch " + mm + " " + addr() + (p(0.3) ? " write" : "");
      case 10 -> "map " + mm + " " + addr() + (p(0.3) ? " pfn " + pick(new String[] {"1", "0", "0xfffffffffff", "77"}) : "");
      case 11, 12 -> "unmap " + mm + " " + range();
      case 13 -> "protect " + mm + " " + range();
      case 14 -> "remap " + mm + " " + addr();
      case 15 -> "free-tables " + mm + " " + (p(0.8) ? pick(new String[] {"0..0x200000", "0x200000..0x400000", "0..0x400000"})
          : pick(RANGES));
      case 16 -> "flush " + mm + " range" + (p(0.7) ? " " + range() : "");
      case 17 -> "flush " + mm + " all";
      case 18 -> p(0.3) ? "exit " + mm : "reclaim " + mm + " " + addr();
      case 19 -> "collapse " + mm + " " + addr();
      default -> "spec " + addr(); // not in lanes (mostly): an error there
    };
    return a;
  }

  private void setRunning(int cpu, String mm) {
    if (cpu < cpus) {
      running[cpu] = mm;
    }
  }

  String action() {
    if (p(0.06)) {
      return p(0.5) ? "flush " + mm() + (p(0.5) ? " range" : " all") : "tick " + count();
    }
    int c = cpuNo();
    return "cpu" + c + " " + cpuAction(c, false);
  }

  String control() {
    int c = cpuNo();
    String cpu = "cpu" + c;
    return switch (r.nextInt(7)) {
      case 0, 1 -> cpu + " begin " + cpuAction(c, p(0.9));
      case 2 -> cpu + " step" + (p(0.5) ? " " + pick(new String[] {"1", "2", "3", "9", "0", "1000001"}) : "");
      case 3 -> cpu + " step to " + pick(LABELS);
      case 4 -> cpu + " drain";
      case 5 -> cpu + " take ipi" + (p(0.4) ? " from " + cpu() : "");
      default -> cpu + " finish";
    };
  }

  String together() {
    int lanes = 1 + r.nextInt(Math.min(3, cpus));
    List<String> lines = new ArrayList<>();
    List<Integer> order = new ArrayList<>();
    for (int c = 0; c < cpus; c++) {
      order.add(c);
    }
    java.util.Collections.shuffle(order, new java.util.Random(r.nextLong()));
    for (int i = 0; i < lanes; i++) {
      int c = i < order.size() && !p(0.03) ? order.get(i) : cpuNo();
      StringBuilder lane = new StringBuilder("cpu" + c + ": " + cpuAction(c, !p(0.02)));
      for (int k = r.nextInt(2); k > 0; k--) {
        lane.append("; ").append(cpuAction(c, true));
      }
      lines.add(lane.toString());
    }
    if (p(0.2)) {
      return "together { " + String.join("; ", lines) + " }";
    }
    return "together {\n  " + String.join("\n  ", lines) + "\n}";
  }

  String check() {
    String c = cpu();
    return switch (r.nextInt(15)) {
      case 0, 1 -> "stale none";
      case 2 -> "stale " + c + (p(0.5) ? " " + addr() : "");
      case 3 -> "latent " + c + " " + addr();
      case 4 -> "freed-walk " + (p(0.5) ? "none" : c);
      case 5 -> "ipis " + (p(0.5) ? c + " " : "") + count();
      case 6 -> "cr3 " + c + " " + count();
      case 7 -> "flushes " + c + (p(0.5) ? " full " : " partial ") + count();
      case 8 -> c + (p(0.5) ? " lazy" : " not lazy");
      case 9 -> c + " loaded " + (p(0.2) ? "init_mm" : knownMm());
      case 10 -> c + " asid " + (p(0.1) ? "6" : String.valueOf(r.nextInt(6)));
      case 11 -> {
        StringBuilder sb = new StringBuilder("mask " + knownMm() + " {");
        for (int i = r.nextInt(3); i > 0; i--) {
          sb.append(i == 0 ? "" : " ").append(cpu());
        }
        yield sb.append("}").toString();
      }
      case 12 -> "gen " + knownMm() + " " + count();
      default -> "stale none";
    };
  }

  String assertion() {
    return "assert " + (p(0.15) ? "sometimes " : "") + check();
  }

  String on() {
    List<String> names = Models.names();
    List<String> ranges = new ArrayList<>();
    for (int i = 1 + r.nextInt(2); i > 0; i--) {
      String a = pick(names);
      String b = pick(names);
      ranges.add(switch (r.nextInt(5)) {
        case 0 -> a;
        case 1 -> a + "..";
        case 2 -> ".." + b;
        case 3 -> a + ".." + b;
        default -> kernelName();
      });
    }
    return "on " + String.join(", ", ranges) + " " + assertion();
  }

  String show() {
    return switch (r.nextInt(5)) {
      case 0 -> "show " + cpu();
      case 1 -> "show " + knownMm();
      case 2 -> "show tlb " + cpu();
      case 3 -> "trace " + (p(0.5) ? "on" : "off");
      default -> "show state";
    };
  }

  /** One statement after the header. */
  String statement() {
    double x = r.nextDouble();
    return x < 0.50 ? action() : x < 0.68 ? assertion() : x < 0.74 ? together() : x < 0.82 ? control()
        : x < 0.86 ? on() : x < 0.90 ? show() : x < 0.97 ? pick(COMMENTS)
        : x < 0.985 ? lateHeader()
        : pick(new String[] {"flsh mm1 range", "cpu0 swich mm1", "}", "{", "..", "cpu0", "assert", "0x1000", "@"});
  }

  String lateHeader() {
    List<String> h = headers();
    return h.isEmpty() ? "pcid off" : pick(h);
  }

  /** A whole scenario: header lines, each CPU switching to an mm, then random statements. */
  String scenario() {
    List<String> lines = new ArrayList<>(headers());
    for (int c = 0; c < cpus; c++) {
      if (p(0.8)) {
        String m = "mm" + (1 + r.nextInt(2));
        if (!named.contains(m)) {
          named.add(m);
        }
        setRunning(c, m);
        lines.add("cpu" + c + " switch " + m);
        if (p(0.5)) {
          lines.add("cpu" + c + " touch " + m + " " + pick(PAGES) + (p(0.3) ? " write" : ""));
        }
      }
    }
    for (int n = r.nextInt(16); n > 0; n--) {
      lines.add(statement());
    }
    return join(lines);
  }

  /** Lines as a user writes them: mostly one per line, now and then `;`, CRLF, indentation, trailing comments. */
  String join(List<String> lines) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (p(0.05)) {
        sb.append(pick(new String[] {"  ", "\t", " \t "}));
      }
      sb.append(l);
      if (p(0.05) && !l.startsWith("#")) {
        sb.append("   ").append(pick(COMMENTS));
      }
      boolean last = i == lines.size() - 1;
      if (!last || p(0.8)) {
        sb.append(p(0.05) && !l.contains("#") && !l.contains("\n") ? "; " : p(0.05) ? "\r\n" : "\n");
      }
      if (p(0.04)) {
        sb.append('\n');
      }
    }
    return sb.toString();
  }
}
