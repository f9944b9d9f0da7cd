package org.tlbscript.engine;

/** A self-check failed or the model misbehaved: a bug in tlbscript's model, never in the kernel. */
public final class ModelBug extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private transient int[] path;

  public ModelBug(String message) {
    super(message);
  }

  /** The exploration's moves that reached the failing state (the first record wins). */
  public ModelBug reachedBy(int[] moves) {
    if (path == null) {
      path = moves;
    }
    return this;
  }

  /** The moves that reached it in an exploration, or null. */
  public int[] path() {
    return path;
  }
}
