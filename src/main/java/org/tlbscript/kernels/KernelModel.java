package org.tlbscript.kernels;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One kernel version (or known-buggy variant) as data: its routines of labelled steps, and which
 * routine each scenario action enters. A model is usually a small patch of a neighbour
 * ({@link #derive}): drop a fence, replace a predicate, swap a routine. The engine has no
 * per-version code.
 */
public final class KernelModel {
  public final String name;
  /**
   * The built-in model a variant stands for (its own name otherwise): a scenario's {@code on}
   * ranges treat the variant as that model ({@link Builder#basis}).
   */
  public final String basis;
  public final String kernels;
  public final String commits;
  public final String summary;
  public final boolean pcidDefault;
  public final java.util.Set<SelfCheck> selfChecks;
  private final Map<String, Routine> routines;
  private final Map<Entry, String> entries;
  private final List<Routine> byIndex;
  private final Map<Routine, Integer> index = new java.util.IdentityHashMap<>();
  private final boolean[] sendsIpis;
  private final int stackBound;

  private KernelModel(String name, String basis, String kernels, String commits, String summary,
      boolean pcidDefault, java.util.Set<SelfCheck> selfChecks, Map<String, Routine> routines,
      Map<Entry, String> entries) {
    this.name = name;
    this.basis = basis;
    this.selfChecks = selfChecks.isEmpty() ? java.util.EnumSet.noneOf(SelfCheck.class)
        : java.util.Collections.unmodifiableSet(java.util.EnumSet.copyOf(selfChecks)); // a bit test per step
    this.kernels = kernels;
    this.commits = commits;
    this.summary = summary;
    this.pcidDefault = pcidDefault;
    this.routines = new LinkedHashMap<>(routines);
    this.entries = new EnumMap<>(entries);
    this.byIndex = new ArrayList<>(this.routines.values());
    for (Routine r : byIndex) {
      for (Step s : r.steps) {
        if (s.type() == Step.Type.CALL && !this.routines.containsKey(s.callee())) {
          throw new IllegalArgumentException(name + ": " + r.name + ":" + s.label()
              + " calls unknown routine " + s.callee());
        }
      }
    }
    for (int i = 0; i < byIndex.size(); i++) {
      index.put(byIndex.get(i), i);
    }
    sendsIpis = new boolean[byIndex.size()];
    for (boolean changed = true; changed; ) { // a fixpoint over calls
      changed = false;
      for (int i = 0; i < byIndex.size(); i++) {
        for (Step s : sendsIpis[i] ? List.<Step>of() : byIndex.get(i).steps) {
          if (s.type() == Step.Type.DO && s.access() == Access.IPI
              || s.type() == Step.Type.CALL && sendsIpis[index.get(this.routines.get(s.callee()))]) {
            sendsIpis[i] = changed = true;
            break;
          }
        }
      }
    }
    stackBound = computeStackBound();
    // a kernel model maps every scenario action to a routine; a model of plain programs (a
    // litmus test) declares no entries and is started routine by routine
    for (Entry e : this.entries.isEmpty() ? new Entry[0] : Entry.values()) {
      if (!this.routines.containsKey(this.entries.get(e))) {
        throw new IllegalArgumentException(name + ": no routine for " + e);
      }
    }
  }

  public Routine routine(String routineName) {
    Routine r = routines.get(routineName);
    if (r == null) {
      throw new IllegalArgumentException(name + ": no routine " + routineName);
    }
    return r;
  }

  public Routine entry(Entry e) {
    return routines.get(entries.get(e));
  }

  public List<Routine> routines() {
    return byIndex;
  }

  /** Dense index of a routine, as frames store it. */
  public int indexOf(Routine r) {
    Integer i = index.get(r);
    return i == null ? -1 : i;
  }

  /**
   * True when routine {@code index}, or one it calls, may send IPIs: it has a step of access
   * IPI that is not a wait (the engine allows sendIpis only there). The explorer's reduction
   * asks whether an IPI can still come in.
   */
  public boolean sendsIpis(int index) {
    return sendsIpis[index];
  }

  /** Registers a frame takes besides its routine's variables (routine, pc, handler-of, link). */
  public static final int FRAME_HEADER = 4;

  /**
   * The most registers a CPU's call stack can need: the deepest call chain of any routine, or an
   * IPI handler (the deepest chain of a routine run with interrupts off: handlers are, so they
   * never nest) on top of the deepest point where interrupts are still on. The engine sizes the
   * stack by it, so the state is no larger than the code needs.
   */
  public int stackBound() {
    return stackBound;
  }

  private int computeStackBound() {
    int handler = 0;
    for (Routine r : byIndex) {
      handler = r.irqsOff ? Math.max(handler, chain(r, false)) : handler;
    }
    int bound = 0;
    for (Routine r : byIndex) {
      bound = Math.max(bound, Math.max(chain(r, false), chain(r, true) + handler));
    }
    return bound;
  }

  /** Registers of r's deepest call chain; with {@code irqsOn}, only while interrupts stay on (else a large negative). */
  private int chain(Routine r, boolean irqsOn) {
    if (irqsOn && r.irqsOff) {
      return -1_000_000;
    }
    int deepest = 0;
    for (Step s : r.steps) {
      if (s.type() == Step.Type.CALL) {
        deepest = Math.max(deepest, chain(routines.get(s.callee()), irqsOn));
      }
    }
    return FRAME_HEADER + r.frameSize() + deepest;
  }

  public Routine routine(int index) {
    return byIndex.get(index);
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** A new model that starts as this one; patch it, then build. */
  public Builder derive(String newName) {
    Builder b = new Builder(newName);
    b.pcidDefault = pcidDefault;
    b.selfChecks = selfChecks.isEmpty() ? java.util.EnumSet.noneOf(SelfCheck.class)
        : java.util.EnumSet.copyOf(selfChecks);
    b.kernels = kernels;
    b.commits = commits;
    b.summary = summary;
    b.routines.putAll(routines);
    b.entries.putAll(entries);
    return b;
  }

  public static final class Builder {
    private final String name;
    private String basis;
    private String kernels = "";
    private String commits = "";
    private String summary = "";
    private boolean pcidDefault = true;
    private java.util.Set<SelfCheck> selfChecks = java.util.EnumSet.allOf(SelfCheck.class);
    private final Map<String, Routine> routines = new LinkedHashMap<>();
    private final Map<Entry, String> entries = new EnumMap<>(Entry.class);

    Builder(String name) {
      this.name = name;
    }

    /** The built-in model this variant stands for in {@code on} ranges (tlbscript barriers' weakened models). */
    public Builder basis(String builtIn) {
      this.basis = builtIn;
      return this;
    }

    public Builder about(String kernelRange, String keyCommits, String oneLine) {
      this.kernels = kernelRange;
      this.commits = keyCommits;
      this.summary = oneLine;
      return this;
    }

    public Builder pcidDefault(boolean on) {
      this.pcidDefault = on;
      return this;
    }

    /** The self-checks that hold in this era (default: all). */
    public Builder selfChecks(SelfCheck... checks) {
      this.selfChecks = checks.length == 0 ? java.util.EnumSet.noneOf(SelfCheck.class)
          : java.util.EnumSet.of(checks[0], checks);
      return this;
    }

    /** Adds or replaces a whole routine. */
    public Builder routine(Routine r) {
      routines.put(r.name, r);
      return this;
    }

    /** Removes a whole routine (a later kernel merged or renamed it); build() checks no call is left. */
    public Builder removeRoutine(String routineName) {
      existing(routineName);
      routines.remove(routineName);
      return this;
    }

    public Builder entry(Entry e, String routineName) {
      entries.put(e, routineName);
      return this;
    }

    /** Removes step {@code label} of {@code routineName}; jumps to it land on its successor. */
    public Builder drop(String routineName, String label) {
      Routine r = existing(routineName);
      int i = indexOrFail(r, label);
      List<Step> steps = new ArrayList<>(r.steps);
      steps.remove(i);
      Map<String, String> dropped = new LinkedHashMap<>(r.dropped);
      dropped.put(label, i < steps.size() ? steps.get(i).label() : null);
      routines.put(routineName, r.withSteps(steps, dropped));
      return this;
    }

    /** Replaces step {@code label} of {@code routineName} by {@code patch} applied to it. */
    public Builder replace(String routineName, String label, UnaryOperator<Step> patch) {
      Routine r = existing(routineName);
      List<Step> steps = new ArrayList<>(r.steps);
      int i = indexOrFail(r, label);
      steps.set(i, patch.apply(steps.get(i)));
      routines.put(routineName, r.withSteps(steps, r.dropped));
      return this;
    }

    /** Inserts {@code steps} after step {@code label} of {@code routineName}. */
    public Builder insertAfter(String routineName, String label, Step... steps) {
      return insert(routineName, label, 1, steps);
    }

    /** Inserts {@code steps} before step {@code label}; jumps to {@code label} still land on it. */
    public Builder insertBefore(String routineName, String label, Step... steps) {
      return insert(routineName, label, 0, steps);
    }

    private Builder insert(String routineName, String label, int offset, Step... steps) {
      Routine r = existing(routineName);
      List<Step> list = new ArrayList<>(r.steps);
      list.addAll(indexOrFail(r, label) + offset, List.of(steps));
      routines.put(routineName, r.withSteps(list, r.dropped));
      return this;
    }

    private Routine existing(String routineName) {
      Routine r = routines.get(routineName);
      if (r == null) {
        throw new IllegalArgumentException(name + ": no routine " + routineName);
      }
      return r;
    }

    private static int indexOrFail(Routine r, String label) {
      int i = r.indexOf(label);
      if (i < 0) {
        throw new IllegalArgumentException(r.name + " has no step " + label);
      }
      return i;
    }

    public KernelModel build() {
      return new KernelModel(name, basis == null ? name : basis, kernels, commits, summary, pcidDefault, selfChecks,
          routines, entries);
    }
  }
}
