package org.tlbscript.session;

import java.util.ArrayList;
import java.util.List;
import org.tlbscript.engine.Engine;
import org.tlbscript.engine.ModelBug;
import org.tlbscript.engine.Observer;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Step;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Suggest;

/**
 * Manual stepping: begin an action without running it, advance a CPU step by step (or to a
 * label), drain one buffered store, take a pending IPI, finish. Stores stay in the store buffer
 * until drained (under `memory tso`), so a replay reproduces an interleaving exactly.
 */
final class Stepping {
  private Stepping() {}

  static final int STEP_TO_LIMIT = 100_000;

  static Outcome control(Session s, Ast.Control c) {
    Machine m = s.machine();
    Machine before = m.copy();
    StringBuilder out = new StringBuilder();
    Observer obs = s.tracer(out);
    try {
      String problem = run(s, c, m, obs);
      if (problem != null) {
        s.setMachine(before);
        int nl = problem.indexOf('\n');
        return new Outcome(Outcome.Status.INVALID, out.toString(), new Diagnostic(c.pos(),
            nl < 0 ? problem : problem.substring(0, nl), nl < 0 ? null : problem.substring(nl + 1)));
      }
    } catch (ModelBug bug) {
      s.setMachine(before);
      return s.modelBug(c.pos(), out.toString(), bug);
    } catch (Engine.Stuck stuck) {
      s.setMachine(before);
      return new Outcome(Outcome.Status.INVALID, out.toString(), new Diagnostic(c.pos(), stuck.getMessage(),
          stuck.hint));
    }
    return Outcome.ok(out.toString());
  }

  /** Null on success, else a problem (one line, then an optional hint line). */
  private static String run(Session s, Ast.Control c, Machine m, Observer obs) {
    Engine e = s.engine();
    int cpu = c.cpu().n();
    String name = "cpu" + cpu;
    switch (c.kind()) {
      case BEGIN -> {
        if (e.depth(m, cpu) > 0) {
          return name + " is already running kernel code (at " + e.where(m, cpu) + ")\n"
              + "finish it first: " + name + " finish";
        }
        String problem = Preconditions.check(s, c.begun());
        if (problem != null) {
          return problem;
        }
        if (c.begun().mm() != null) {
          s.create(m, s.mm(c.begun().mm()), cpu, obs);
        }
        Races.Start st = s.start(c.begun());
        e.push(m, cpu, st.routine(), st.args(), -1);
        return null;
      }
      case STEP -> {
        long n = c.n() == null ? 1 : c.n().value();
        for (long i = 0; i < n; i++) {
          String problem = stepOnce(s, m, cpu, obs, i);
          if (problem != null) {
            return problem;
          }
        }
        return null;
      }
      case STEP_TO -> {
        if (!labels(s).contains(c.label())) {
          return "no step is labelled " + c.label() + " in " + s.model.name + "\n"
              + Suggest.closest(c.label(), labels(s)).map(l -> "did you mean " + l + "?")
                  .orElse("`tlbscript kernels --show " + s.model.name + "` lists the steps");
        }
        for (int i = 0; i < STEP_TO_LIMIT; i++) {
          Step next = e.nextStep(m, cpu);
          if (next != null && next.label().equals(c.label())) {
            return null;
          }
          if (e.depth(m, cpu) == 0) {
            return name + "'s action ended without reaching " + c.label();
          }
          String problem = stepOnce(s, m, cpu, obs, i);
          if (problem != null) {
            return problem;
          }
        }
        return name + " did not reach " + c.label() + " within " + STEP_TO_LIMIT + " steps";
      }
      case DRAIN -> {
        if (m.storeBufferCount(cpu) == 0) {
          return name + "'s store buffer is empty" + (m.tso ? "" : "\nwith `memory sc` stores never wait in a buffer");
        }
        m.drainOne(cpu);
        return null;
      }
      case TAKE_IPI -> {
        long pending = m.pendingIpis(cpu);
        int from = c.from() != null ? c.from().n() : pending == 0 ? -1 : Long.numberOfTrailingZeros(pending);
        if (from < 0 || (pending >>> from & 1) == 0) {
          return "no IPI " + (c.from() == null ? "" : "from " + c.from().toSource() + " ") + "is pending on " + name;
        }
        if (!e.irqsOn(m, cpu)) {
          return name + " has interrupts off (at " + e.where(m, cpu) + ")\nstep it out of there first";
        }
        e.deliverIpi(m, cpu, from, obs);
        return null;
      }
      case FINISH -> {
        if (e.depth(m, cpu) == 0) {
          return name + " runs no kernel code\n`" + name + " begin ...` starts an action";
        }
        e.runToCompletion(m, cpu, 0, obs);
        return null;
      }
      default -> throw new IllegalStateException();
    }
  }

  private static String stepOnce(Session s, Machine m, int cpu, Observer obs, long done) {
    Engine e = s.engine();
    String name = "cpu" + cpu;
    if (e.depth(m, cpu) == 0) {
      return done == 0 ? name + " runs no kernel code\n`" + name + " begin ...` starts an action"
          : name + "'s action ended after " + done + " step" + (done == 1 ? "" : "s");
    }
    if (!e.runnable(m, cpu)) {
      return name + " waits at " + e.where(m, cpu) + " for IPI handlers on other CPUs\n"
          + "let the targets take their IPIs first (cpuN take ipi)";
    }
    e.step(m, cpu, obs);
    e.selfCheck(m, obs);
    return null;
  }

  private static List<String> labels(Session s) {
    List<String> out = new ArrayList<>();
    for (Routine r : s.model.routines()) {
      for (Step st : r.steps) {
        out.add(st.label());
      }
    }
    return out;
  }
}
