package org.tlbscript.session;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Weakened;
import org.tlbscript.lang.Source;

/**
 * Which ordering points of a model the given scenarios need ({@code tlbscript barriers}): each
 * fence, locked read-modify-write, CR3 write, IPI send and wait is weakened in turn ({@link Weakened}) and the
 * scenarios run again; a point is needed when some scenario that passes under the model fails
 * (or breaks the model's own invariants) without it.
 */
public final class Barriers {
  private Barriers() {}

  public enum Verdict { NEEDED, NOT_NEEDED, NEVER_RAN, NOT_WEAKENED }

  /**
   * What weakening one point did: its verdict; for a needed one the scenario that broke and its
   * run's report (the counterexample and its replay script); for one not weakened, why.
   */
  public record Finding(Weakened.Point point, Verdict verdict, String scenario, String report, boolean invariant) {}

  /** The baseline: each scenario's status under {@code model} as it is. */
  public static List<ScenarioRun.Result> baseline(KernelModel model, List<Source> scenarios) {
    List<ScenarioRun.Result> out = new ArrayList<>();
    for (Source s : scenarios) {
      out.add(ScenarioRun.runOn(s, model, false));
    }
    return out;
  }

  /** Weakens each ordering point of {@code model} in turn and runs {@code scenarios} under it. */
  public static List<Finding> analyse(KernelModel model, List<Source> scenarios,
      List<ScenarioRun.Result> baseline, java.util.function.Consumer<Finding> each) {
    List<Finding> out = new ArrayList<>();
    for (Weakened.Point p : Weakened.points(model)) {
      Finding f = analyse(model, p, scenarios, baseline);
      out.add(f);
      each.accept(f);
    }
    return out;
  }

  private static Finding analyse(KernelModel model, Weakened.Point p, List<Source> scenarios,
      List<ScenarioRun.Result> baseline) {
    if (p.cannot() != null) {
      return new Finding(p, Verdict.NOT_WEAKENED, null, p.cannot(), false);
    }
    AtomicInteger ran = new AtomicInteger();
    KernelModel weak = Weakened.model(model, p, ran);
    for (int i = 0; i < scenarios.size(); i++) {
      if (baseline.get(i).status() != ScenarioRun.Status.PASSED) {
        continue; // only what holds with the barrier can show that it is needed
      }
      ScenarioRun.Result r = ScenarioRun.runOn(scenarios.get(i), weak, false);
      if (r.status() == ScenarioRun.Status.FAILED || r.status() == ScenarioRun.Status.MODEL_BUG) {
        // without the point, a self-check of the model can fail (two CPUs map one page when a
        // lock is no longer atomic): that is the point's doing, not a bug to report
        boolean invariant = r.status() == ScenarioRun.Status.MODEL_BUG;
        StringBuilder report = new StringBuilder(r.output());
        r.diagnostics().forEach(d -> report.append(invariant
            ? new org.tlbscript.lang.Diagnostic(d.pos(), d.message().replace("model self-check failed", "the model's invariant breaks"), null).render()
            : d.render()));
        return new Finding(p, Verdict.NEEDED, scenarios.get(i).name(), report.toString(), invariant);
      }
    }
    return new Finding(p, ran.get() == 0 ? Verdict.NEVER_RAN : Verdict.NOT_NEEDED, null, null, false);
  }
}
