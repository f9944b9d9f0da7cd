package org.tlbscript.kernels;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A kernel routine as data: named parameters and locals (frame slots) and a list of labelled
 * steps. Control flow is by label, resolved to indices when the routine is built, so a model
 * can drop or replace a step and keep every jump meaningful.
 */
public final class Routine {
  /**
   * What a frame slot holds, for renaming CPUs (engine.Symmetry): a plain value, a CPU number,
   * or a cpumask. Declared with the variable, like its C type.
   */
  public enum Holds { VALUE, CPU, CPUMASK }

  public final String name;
  /** True for code that runs with interrupts disabled: no IPI handler can run on top of it. */
  public final boolean irqsOff;
  public final List<String> params;
  public final List<String> locals;
  /** What each frame slot (parameters, then locals) holds. */
  private final Holds[] holds;
  public final List<Step> steps;
  /** Labels a patch dropped, each mapped to the label that followed it (null: the end). */
  final Map<String, String> dropped;
  private final int[] targets;
  private final Map<String, Integer> index = new HashMap<>();

  Routine(String name, boolean irqsOff, List<String> params, List<String> locals, List<Holds> holds,
      List<Step> steps, Map<String, String> dropped) {
    this.name = name;
    this.dropped = new HashMap<>(dropped);
    this.irqsOff = irqsOff;
    this.params = List.copyOf(params);
    this.locals = List.copyOf(locals);
    this.holds = holds.toArray(new Holds[0]);
    this.steps = List.copyOf(steps);
    for (int i = 0; i < steps.size(); i++) {
      if (index.put(steps.get(i).label(), i) != null) {
        throw new IllegalArgumentException(name + ": duplicate label " + steps.get(i).label());
      }
    }
    targets = new int[steps.size()];
    for (int i = 0; i < steps.size(); i++) {
      Step s = steps.get(i);
      targets[i] = s.target() != null ? resolve(s.target(), dropped) : -1;
    }
  }

  /** A jump to a dropped step lands on the step that followed it. */
  private int resolve(String label, Map<String, String> dropped) {
    String l = label;
    while (!index.containsKey(l) && dropped.containsKey(l)) {
      l = dropped.get(l);
    }
    if (l == null) {
      return steps.size(); // falls off the end: return
    }
    Integer i = index.get(l);
    if (i == null) {
      throw new IllegalArgumentException(name + ": jump to unknown label " + label);
    }
    return i;
  }

  public int target(int pc) {
    return targets[pc];
  }

  public int indexOf(String label) {
    Integer i = index.get(label);
    return i == null ? -1 : i;
  }

  public int frameSize() {
    return params.size() + locals.size();
  }

  /** What frame slot {@code slot} holds. */
  public Holds holds(int slot) {
    return holds[slot];
  }

  /** The parameter or local variable called {@code name}. */
  public Local local(String name) {
    int i = params.indexOf(name);
    if (i < 0 && locals.contains(name)) {
      i = params.size() + locals.indexOf(name);
    }
    if (i < 0) {
      throw new IllegalArgumentException(this.name + " has no variable " + name);
    }
    return new Local(name, i);
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Builds a routine; each step belongs to the current kernel function ({@link #fn}). */
  public static final class Builder {
    private final String name;
    private String function;
    private boolean irqsOff;
    private final List<String> params = new ArrayList<>();
    private final List<String> locals = new ArrayList<>();
    private final List<Holds> holds = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final Map<String, Local> byName = new HashMap<>();

    Builder(String name) {
      this.name = name;
      this.function = name;
    }

    public Builder irqsOff() {
      irqsOff = true;
      return this;
    }

    /** Steps added from now on belong to kernel function {@code f} (an inlined callee). */
    public Builder fn(String f) {
      function = f;
      return this;
    }

    public Local param(String n) {
      return param(n, Holds.VALUE);
    }

    /** A parameter that holds a CPU number or a cpumask ({@link Holds}). */
    public Local param(String n, Holds h) {
      if (!locals.isEmpty()) {
        throw new IllegalStateException("declare parameters before locals");
      }
      params.add(n);
      holds.add(h);
      return slot(n, params.size() - 1);
    }

    public Local local(String n) {
      return local(n, Holds.VALUE);
    }

    /** A local variable that holds a CPU number or a cpumask ({@link Holds}). */
    public Local local(String n, Holds h) {
      locals.add(n);
      holds.add(h);
      return slot(n, params.size() + locals.size() - 1);
    }

    private Local slot(String n, int i) {
      Local l = new Local(n, i);
      if (byName.put(n, l) != null) {
        throw new IllegalArgumentException(name + ": duplicate variable " + n);
      }
      return l;
    }

    public Builder step(String label, Access access, String text, Step.Effect effect) {
      steps.add(new Step(label, function, access, text, Step.Type.DO, effect, null, null, null, null));
      return this;
    }

    /** A step that continues at {@code target} after its effect (the end of a loop body). */
    public Builder stepThen(String label, Access access, String text, Step.Effect effect,
        String target) {
      steps.add(new Step(label, function, access, text, Step.Type.DO, effect, null, target, null, null));
      return this;
    }

    public Builder jumpIf(String label, String text, Predicate<Exec> cond, String target) {
      steps.add(new Step(label, function, Access.CTL, text, Step.Type.GOTO, null, cond, target, null, null));
      return this;
    }

    public Builder jump(String label, String text, String target) {
      return jumpIf(label, text, x -> true, target);
    }

    public Builder returnIf(String label, String text, Predicate<Exec> cond) {
      steps.add(new Step(label, function, Access.CTL, text, Step.Type.RETURN, null, cond, null, null, null));
      return this;
    }

    public Builder ret(String label, String text) {
      return returnIf(label, text, null);
    }

    public Builder call(String label, String text, String callee, Function<Exec, long[]> args) {
      steps.add(new Step(label, function, Access.CTL, text, Step.Type.CALL, null, null, null, callee, args));
      return this;
    }

    public Builder await(String label, String text, Predicate<Exec> cond) {
      steps.add(new Step(label, function, Access.IPI, text, Step.Type.WAIT, null, cond, null, null, null));
      return this;
    }

    /** Waits until {@code cond} holds, then runs {@code effect} in the same step (a lock taken). */
    public Builder awaitThen(String label, Access access, String text, Predicate<Exec> cond, Step.Effect effect) {
      steps.add(new Step(label, function, access, text, Step.Type.WAIT, effect, cond, null, null, null));
      return this;
    }

    public Routine build() {
      return new Routine(name, irqsOff, params, locals, holds, steps, Map.of());
    }
  }

  /** This routine with more local variables, plain values (its steps unchanged, the same objects). */
  Routine withLocals(String... names) {
    List<String> more = new ArrayList<>(locals);
    List<Holds> moreHolds = new ArrayList<>(List.of(holds));
    for (String n : names) {
      more.add(n);
      moreHolds.add(Holds.VALUE);
    }
    return new Routine(name, irqsOff, params, more, moreHolds, steps, dropped);
  }

  /** This routine with its step list replaced (used by model patches). */
  Routine withSteps(List<Step> newSteps, Map<String, String> dropped) {
    return new Routine(name, irqsOff, params, locals, List.of(holds), newSteps, dropped);
  }
}
