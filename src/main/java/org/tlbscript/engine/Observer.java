package org.tlbscript.engine;

import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Step;

/** Watches a run: every executed step (with its notes) and every event. Sequential runs trace; the explorer does not. */
public interface Observer {
  void step(int cpu, Routine routine, Step step, String notes);

  void event(Event event);

  /** What happened beyond a step's own effect. */
  record Event(Kind kind, int cpu, String message) {
    public enum Kind {
      /** a usable stale translation was used (I-completion) */
      STALE_USE,
      /** a page walk went through a freed page table (I-freed) */
      FREED_WALK,
      /** an IPI was taken by a CPU */
      IPI,
      /** a self-check (I-asid, I-gen, a kernel WARN) failed: a model bug, not a kernel bug */
      MODEL_BUG,
      /** a kernel WARN_ON fired */
      WARN
    }
  }

  Observer NONE = new Observer() {
    @Override
    public void step(int cpu, Routine routine, Step step, String notes) {}

    @Override
    public void event(Event event) {}
  };
}
