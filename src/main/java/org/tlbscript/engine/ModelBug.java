package org.tlbscript.engine;

/** A self-check failed or the model misbehaved: a bug in tlbscript's model, never in the kernel. */
public final class ModelBug extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelBug(String message) {
    super(message);
  }
}
