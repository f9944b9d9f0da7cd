package org.tlbscript.kernels;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One atomic step of a kernel routine: a label from kernel-tlb.md (SW1, F2, H5 ...), the kernel
 * function it belongs to, what it touches, and the pseudo-code it stands for. {@link #type}
 * says how the engine runs it: {@code DO} runs the effect (then jumps to {@code target} if it
 * has one); {@code GOTO} jumps to {@code target}
 * when {@code cond} holds; {@code RETURN} returns when {@code cond} holds (always when null);
 * {@code CALL} pushes {@code callee} with {@code args}; {@code WAIT} blocks until {@code cond}.
 */
public record Step(String label, String function, Access access, String text, Type type,
    Effect effect, Predicate<Exec> cond, String target, String callee,
    Function<Exec, long[]> args) {

  public enum Type { DO, GOTO, RETURN, CALL, WAIT }

  /** The body of a DO step. */
  @FunctionalInterface
  public interface Effect {
    void run(Exec x);
  }

  /** The same step with other pseudo-code and effect: how a model patches one step. */
  public Step with(String newText, Effect newEffect) {
    return new Step(label, function, access, newText, type, newEffect, cond, target, callee, args);
  }

  /** The same branch or return with another condition. */
  public Step withCond(String newText, Predicate<Exec> newCond) {
    return new Step(label, function, access, newText, type, effect, newCond, target, callee, args);
  }

  /** One line as {@code kernels --show} prints it. */
  public String describe() {
    return String.format("%-6s %-4s %-26s %s", label, access, function, text);
  }
}
