package org.tlbscript.engine;

import java.util.function.Consumer;
import java.util.function.Supplier;

/** Runs code with some of the explorer's reductions switched off, for tests in other packages. */
public final class Reductions {
  private Reductions() {}

  /** Runs {@code run} with {@code switches} off, and on again after. */
  @SafeVarargs
  private static <T> T with(Supplier<T> run, Consumer<Boolean>... switches) {
    for (Consumer<Boolean> s : switches) {
      s.accept(false);
    }
    try {
      return run.get();
    } finally {
      for (Consumer<Boolean> s : switches) {
        s.accept(true);
      }
    }
  }

  /** Runs code with frame variables kept after their last read (reduction 6 off). */
  public static <T> T withoutDeadVariables(Supplier<T> run) {
    return with(run, Liveness::enabled);
  }

  /** Runs code with no probe of what steps read: explorations learn it all as they run. */
  public static <T> T withoutProbing(Supplier<T> run) {
    return with(run, Liveness::probing);
  }

  /** Runs code with every reduction off: partial order (private moves, walks, footprints), symmetry, dead variables. */
  public static <T> T off(Supplier<T> run) {
    return with(run, Moves::reduction, Symmetry::enabled, Liveness::enabled);
  }
}
