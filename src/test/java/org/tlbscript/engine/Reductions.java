package org.tlbscript.engine;

import java.util.function.Supplier;

/** Runs code with the explorer's reductions (partial order and symmetry) switched off, for tests in other packages. */
public final class Reductions {
  private Reductions() {}

  public static <T> T off(Supplier<T> run) {
    Moves.reduction(false);
    Symmetry.enabled(false);
    try {
      return run.get();
    } finally {
      Moves.reduction(true);
      Symmetry.enabled(true);
    }
  }
}
