package org.tlbscript.engine;

import java.util.function.Supplier;

/** Runs code with the explorer's reductions (partial order and symmetry) switched off, for tests in other packages. */
public final class Reductions {
  private Reductions() {}

  /** Runs code with frame variables kept after their last read (reduction 6 off). */
  public static <T> T withoutDeadVariables(Supplier<T> run) {
    Liveness.enabled(false);
    try {
      return run.get();
    } finally {
      Liveness.enabled(true);
    }
  }

  /** Runs code with no probe of what steps read: explorations learn it all as they run. */
  public static <T> T withoutProbing(Supplier<T> run) {
    Liveness.probing(false);
    try {
      return run.get();
    } finally {
      Liveness.probing(true);
    }
  }

  public static <T> T off(Supplier<T> run) {
    Moves.reduction(false);
    Symmetry.enabled(false);
    Liveness.enabled(false);
    try {
      return run.get();
    } finally {
      Moves.reduction(true);
      Symmetry.enabled(true);
      Liveness.enabled(true);
    }
  }
}
