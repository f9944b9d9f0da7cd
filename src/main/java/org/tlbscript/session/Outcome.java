package org.tlbscript.session;

import org.tlbscript.lang.Diagnostic;

/**
 * What running one statement gave: its output (trace, {@code show} tables) and, unless it
 * went well, a diagnostic. INVALID means the statement cannot run in this state (the scenario
 * is wrong); MODEL_BUG means a self-check of the model failed (tlbscript is wrong). INCOMPLETE
 * means an exploration stopped at a bound, or an assertion could not be judged on the outcomes
 * it found: the run goes on with those. STOPPED means an exploration stopped and the run cannot
 * go on: the user interrupted it (Ctrl-C), or it reached no outcome before a bound.
 */
public record Outcome(Status status, String output, Diagnostic diagnostic) {
  public enum Status { OK, ASSERTION_FAILED, INVALID, MODEL_BUG, INCOMPLETE, STOPPED }

  public static Outcome ok(String output) {
    return new Outcome(Status.OK, output, null);
  }

  public boolean stopsRun() {
    return status == Status.INVALID || status == Status.MODEL_BUG || status == Status.STOPPED;
  }
}
