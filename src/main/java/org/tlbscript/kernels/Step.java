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

  /** A step that runs {@code effect} (for models that insert or replace steps). */
  public static Step of(String label, String function, Access access, String text, Effect effect) {
    return new Step(label, function, access, text, Type.DO, effect, null, null, null, null);
  }

  /** A branch to {@code target} when {@code cond} holds. */
  public static Step jumpIf(String label, String function, String text, Predicate<Exec> cond,
      String target) {
    return new Step(label, function, Access.CTL, text, Type.GOTO, null, cond, target, null, null);
  }

  /** A return when {@code cond} holds (always when null). */
  public static Step returnIf(String label, String function, String text, Predicate<Exec> cond) {
    return new Step(label, function, Access.CTL, text, Type.RETURN, null, cond, null, null, null);
  }

  /** A call of routine {@code callee} with {@code args}. */
  public static Step call(String label, String function, String text, String callee,
      Function<Exec, long[]> args) {
    return new Step(label, function, Access.CTL, text, Type.CALL, null, null, null, callee, args);
  }

  /** The same step with other pseudo-code and effect: how a model patches one step. */
  public Step with(String newText, Effect newEffect) {
    return new Step(label, function, access, newText, type, newEffect, cond, target, callee, args);
  }

  /** The same branch or return with another condition. */
  public Step withCond(String newText, Predicate<Exec> newCond) {
    return new Step(label, function, access, newText, type, effect, newCond, target, callee, args);
  }

  /** The same branch or return with a condition that reads shared memory (access R). */
  public Step readingCond(String newText, Predicate<Exec> newCond) {
    return new Step(label, function, Access.R, newText, type, effect, newCond, target, callee, args);
  }

  /** One line as {@code kernels --show} prints it. */
  public String describe() {
    return String.format("%-6s %-4s %-27s %s", label, access, function, text);
  }
}
