package org.tlbscript.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.tlbscript.kernels.Entry;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Step;

/**
 * The difference between two kernel models as data ({@code tlbscript kernels --diff A B}):
 * routines only in one, and per common routine the steps only in one and the steps with the same
 * label whose text, access, function or control flow (type, target, callee) differ. Steps are
 * matched by label (labels are unique in a routine), in the order of a longest common
 * subsequence of the two label lists. Conditions and effects are code, not data: they are
 * compared through the pseudo-code that states them.
 */
public final class ModelDiff {
  private ModelDiff() {}

  public enum Op { SAME, ONLY_A, ONLY_B, CHANGED }

  /** One aligned pair of steps; {@code a} or {@code b} is null for a step only in the other. */
  public record Line(Op op, Step a, Step b, List<String> what) {}

  /** A routine present in both: its aligned steps (SAME lines kept for context). */
  public record RoutineDiff(String name, Routine a, Routine b, List<Line> lines) {
    public boolean differs() {
      return lines.stream().anyMatch(l -> l.op != Op.SAME) || a.irqsOff != b.irqsOff
          || !a.params.equals(b.params);
    }
  }

  public record Result(KernelModel a, KernelModel b, List<String> onlyA, List<String> onlyB,
      List<String> headerDiffs, List<RoutineDiff> routines) {
    public boolean empty() {
      return onlyA.isEmpty() && onlyB.isEmpty() && headerDiffs.isEmpty()
          && routines.stream().noneMatch(RoutineDiff::differs);
    }
  }

  public static Result diff(KernelModel a, KernelModel b) {
    Map<String, Routine> ra = byName(a);
    Map<String, Routine> rb = byName(b);
    List<String> onlyA = ra.keySet().stream().filter(n -> !rb.containsKey(n)).toList();
    List<String> onlyB = rb.keySet().stream().filter(n -> !ra.containsKey(n)).toList();
    List<String> header = new ArrayList<>();
    if (a.pcidDefault != b.pcidDefault) {
      header.add("PCID by default: " + onOff(a.pcidDefault) + " vs " + onOff(b.pcidDefault));
    }
    if (!a.selfChecks.equals(b.selfChecks)) {
      header.add("self-checks: " + a.selfChecks + " vs " + b.selfChecks);
    }
    for (Entry e : Entry.values()) {
      String x = a.entry(e).name;
      String y = b.entry(e).name;
      if (!x.equals(y)) {
        header.add("entry " + e + ": " + x + " vs " + y);
      }
    }
    List<RoutineDiff> routines = new ArrayList<>();
    for (Routine r : a.routines()) {
      Routine s = rb.get(r.name);
      if (s != null) {
        routines.add(new RoutineDiff(r.name, r, s, align(r.steps, s.steps)));
      }
    }
    return new Result(a, b, onlyA, onlyB, header, routines);
  }

  private static Map<String, Routine> byName(KernelModel m) {
    return m.routines().stream().collect(Collectors.toMap(r -> r.name, r -> r, (x, y) -> x,
        java.util.LinkedHashMap::new));
  }

  private static String onOff(boolean on) {
    return on ? "on" : "off";
  }

  /** Aligns two step lists by label (longest common subsequence of labels). */
  static List<Line> align(List<Step> a, List<Step> b) {
    int n = a.size();
    int m = b.size();
    int[][] lcs = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] = a.get(i).label().equals(b.get(j).label()) ? lcs[i + 1][j + 1] + 1
            : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    List<Line> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a.get(i).label().equals(b.get(j).label())) {
        List<String> what = changes(a.get(i), b.get(j));
        out.add(new Line(what.isEmpty() ? Op.SAME : Op.CHANGED, a.get(i), b.get(j), what));
        i++;
        j++;
      } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
        out.add(new Line(Op.ONLY_B, null, b.get(j), List.of()));
        j++;
      } else {
        out.add(new Line(Op.ONLY_A, a.get(i), null, List.of()));
        i++;
      }
    }
    return out;
  }

  /** What differs between two steps with the same label: text, access, function, type, target, callee. */
  static List<String> changes(Step x, Step y) {
    List<String> out = new ArrayList<>();
    if (!x.text().equals(y.text())) {
      out.add("text");
    }
    if (x.access() != y.access()) {
      out.add("access");
    }
    if (!x.function().equals(y.function())) {
      out.add("function");
    }
    if (x.type() != y.type()) {
      out.add("type");
    }
    if (!Objects.equals(x.target(), y.target())) {
      out.add("target");
    }
    if (!Objects.equals(x.callee(), y.callee())) {
      out.add("callee");
    }
    return out;
  }

  // ------------------------------------------------------------------ text

  /** One step as a diff line: label, access, function, pseudo-code, and its control flow. */
  public static String describe(Step s) {
    String flow = switch (s.type()) {
      case DO -> s.target() == null ? "" : "   [then goto " + s.target() + "]";
      case GOTO -> "   [goto " + s.target() + "]";
      case RETURN -> "   [return]";
      case CALL -> "   [call " + s.callee() + "]";
      case WAIT -> "   [wait]";
    };
    return s.describe().stripTrailing() + flow;
  }

  /** Like a unified diff of the two {@code kernels --show} listings, one hunk header per routine. */
  public static String render(Result r) {
    String a = r.a().name;
    String b = r.b().name;
    StringBuilder sb = new StringBuilder();
    sb.append("--- ").append(a).append("   (").append(r.a().kernels).append(")\n");
    sb.append("+++ ").append(b).append("   (").append(r.b().kernels).append(")\n");
    if (r.empty()) {
      sb.append("no differences: the two models have the same routines and steps\n");
      return sb.toString();
    }
    for (String h : r.headerDiffs()) {
      sb.append("# ").append(h).append('\n');
    }
    for (String n : r.onlyA()) {
      sb.append("- routine ").append(n).append("   # only in ").append(a).append('\n');
    }
    for (String n : r.onlyB()) {
      sb.append("+ routine ").append(n).append("   # only in ").append(b).append('\n');
    }
    int changedRoutines = 0;
    int onlyA = 0;
    int onlyB = 0;
    int changed = 0;
    int movedSteps = 0;
    for (RoutineDiff d : r.routines()) {
      if (!d.differs()) {
        continue;
      }
      changedRoutines++;
      sb.append("@@ routine ").append(d.name()).append(" (").append(a).append(": ").append(d.a().steps.size())
          .append(" steps, ").append(b).append(": ").append(d.b().steps.size()).append(" steps) @@\n");
      if (d.a().irqsOff != d.b().irqsOff) {
        sb.append("# irqs off: ").append(d.a().irqsOff).append(" vs ").append(d.b().irqsOff).append('\n');
      }
      if (!d.a().params.equals(d.b().params)) {
        sb.append("# parameters: ").append(d.a().params).append(" vs ").append(d.b().params).append('\n');
      }
      List<Line> lines = d.lines();
      // a label on both sides that the alignment could not pair was moved
      java.util.Set<String> labelsA = new java.util.HashSet<>();
      java.util.Map<String, Step> stepsA = new java.util.HashMap<>();
      java.util.Set<String> labelsB = new java.util.HashSet<>();
      for (Step s : d.a().steps) {
        labelsA.add(s.label());
        stepsA.put(s.label(), s);
      }
      for (Step s : d.b().steps) {
        labelsB.add(s.label());
      }
      for (int i = 0; i < lines.size(); i++) {
        Line l = lines.get(i);
        switch (l.op()) {
          case SAME -> {
            boolean near = (i > 0 && lines.get(i - 1).op() != Op.SAME)
                || (i + 1 < lines.size() && lines.get(i + 1).op() != Op.SAME);
            if (near) {
              sb.append("  ").append(describe(l.a())).append('\n');
            } else if (i > 0 && lines.get(i - 1).op() == Op.SAME && i >= 2 && lines.get(i - 2).op() != Op.SAME) {
              sb.append("  …\n");
            }
          }
          case ONLY_A -> {
            boolean moved = labelsB.contains(l.a().label());
            onlyA += moved ? 0 : 1;
            sb.append("- ").append(describe(l.a())).append(moved ? "   # moved" : "").append('\n');
          }
          case ONLY_B -> {
            boolean moved = labelsA.contains(l.b().label());
            List<String> what = moved ? changes(stepsA.get(l.b().label()), l.b()) : List.of();
            onlyB += moved ? 0 : 1;
            movedSteps += moved ? 1 : 0;
            sb.append("+ ").append(describe(l.b())).append(moved ? "   # moved here"
                + (what.isEmpty() ? "" : "; " + String.join(", ", what)) : "").append('\n');
          }
          case CHANGED -> {
            changed++;
            sb.append("- ").append(describe(l.a())).append('\n');
            sb.append("+ ").append(describe(l.b())).append("   # ").append(String.join(", ", l.what()))
                .append('\n');
          }
          default -> { }
        }
      }
    }
    sb.append(String.format("%d routine%s only in %s, %d only in %s; %d common routine%s: "
        + "%d step%s only in %s, %d only in %s, %d changed, %d moved%n",
        r.onlyA().size(), r.onlyA().size() == 1 ? "" : "s", a, r.onlyB().size(), b,
        changedRoutines, changedRoutines == 1 ? " differs" : "s differ", onlyA, onlyA == 1 ? "" : "s", a, onlyB, b, changed, movedSteps));
    return sb.toString();
  }
}
