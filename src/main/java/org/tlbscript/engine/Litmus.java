package org.tlbscript.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.tlbscript.hw.Layout;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Access;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Local;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Vars;

/**
 * herd7's x86 litmus tests on tlbscript's own engine: each thread becomes one routine of steps
 * (one per instruction) and the {@link Explorer} runs every interleaving, with x86-TSO store
 * buffers or without them (sequential consistency). The final condition is then judged on every
 * distinct final state, as herd7 judges it on every candidate execution: Always, Sometimes or
 * Never. The tests are parsed by {@code org.tlbscript.litmus.LitmusParser}; this class holds
 * the parsed form, runs it and prints herd7's report.
 */
public final class Litmus {
  private Litmus() {}

  public enum Verdict { Always, Sometimes, Never }

  /** The final condition's quantifier, as written and as herd7 names the test's kind. */
  public enum Quantifier {
    EXISTS("exists", "Allowed"), NOT_EXISTS("~exists", "Forbidden"), FORALL("forall", "Required");

    public final String text;
    public final String kind;

    Quantifier(String text, String kind) {
      this.text = text;
      this.kind = kind;
    }
  }

  /**
   * One instruction; {@code reg} and {@code loc} are null when the form has none, and
   * {@code row} is its row of the program table (1 is the first below {@code P0 | P1 ;}).
   */
  public record Instr(int row, Kind kind, String reg, String loc, long value) {
    public enum Kind {
      /** {@code MOV [x],$v} */ STORE,
      /** {@code MOV [x],REG} */ STORE_REG,
      /** {@code MOV REG,[x]} */ LOAD,
      /** {@code MOV REG,$v} */ MOVE,
      /** {@code MFENCE} */ MFENCE,
      /** {@code XCHG [x],REG} (implicitly locked) */ XCHG,
      /** {@code LOCK ADD [x],$v} */ ADD,
      /** {@code LOCK ADD [x],REG} */ ADD_REG,
      /** {@code LOCK INC [x]} */ INC,
      /** {@code LOCK CMPXCHG [x],REG}: compares [x] with EAX */ CMPXCHG,
      /** {@code LOCK XADD [x],REG} */ XADD
    }

    /** The register CMPXCHG compares with, and loads on failure. */
    public static final String ACCUMULATOR = "EAX";

    /** The registers it reads or writes. */
    public List<String> regs() {
      if (kind == Kind.CMPXCHG) {
        return reg.equals(ACCUMULATOR) ? List.of(reg) : List.of(reg, ACCUMULATOR);
      }
      return reg == null ? List.of() : List.of(reg);
    }

    /** In herd7's syntax. */
    @Override
    public String toString() {
      String m = "[" + loc + "]";
      return switch (kind) {
        case STORE -> "MOV " + m + ",$" + value;
        case STORE_REG -> "MOV " + m + "," + reg;
        case LOAD -> "MOV " + reg + "," + m;
        case MOVE -> "MOV " + reg + ",$" + value;
        case MFENCE -> "MFENCE";
        case XCHG -> "XCHG " + m + "," + reg;
        case ADD -> "LOCK ADD " + m + ",$" + value;
        case ADD_REG -> "LOCK ADD " + m + "," + reg;
        case INC -> "LOCK INC " + m;
        case CMPXCHG -> "LOCK CMPXCHG " + m + "," + reg;
        case XADD -> "LOCK XADD " + m + "," + reg;
      };
    }
  }

  /** A register of a thread ({@code thread ≥ 0}) or a location ({@code thread = -1}). */
  public record Term(int thread, String name) implements Comparable<Term> {
    /** As herd7 prints it: {@code 0:EAX}, {@code [x]}. */
    @Override
    public String toString() {
      return thread >= 0 ? thread + ":" + name : "[" + name + "]";
    }

    /** herd7's order: registers by thread, then locations. */
    @Override
    public int compareTo(Term o) {
      int a = thread >= 0 ? thread : Integer.MAX_VALUE;
      int b = o.thread >= 0 ? o.thread : Integer.MAX_VALUE;
      return a != b ? Integer.compare(a, b) : name.compareTo(o.name);
    }
  }

  /** The condition: a term's value test, or not, and, or of conditions ({@code true} is an empty And). */
  public sealed interface Cond {
    /** Does it hold for these values (a term not given is 0)? */
    boolean holds(Map<Term, Long> v);

    /** Adds the terms it reads. */
    void terms(Set<Term> out);

    record Eq(Term term, long value) implements Cond {
      public boolean holds(Map<Term, Long> v) {
        return v.getOrDefault(term, 0L) == value;
      }

      public void terms(Set<Term> out) {
        out.add(term);
      }

      @Override
      public String toString() {
        return term + "=" + value;
      }
    }

    record Not(Cond c) implements Cond {
      public boolean holds(Map<Term, Long> v) {
        return !c.holds(v);
      }

      public void terms(Set<Term> out) {
        c.terms(out);
      }

      @Override
      public String toString() {
        return "not (" + c + ")"; // herd7 prints ~ so
      }
    }

    record And(List<Cond> cs) implements Cond {
      public boolean holds(Map<Term, Long> v) {
        return cs.stream().allMatch(c -> c.holds(v));
      }

      public void terms(Set<Term> out) {
        cs.forEach(c -> c.terms(out));
      }

      @Override
      public String toString() {
        return cs.isEmpty() ? "true" : join(cs, " /\\ ", Or.class);
      }
    }

    record Or(List<Cond> cs) implements Cond {
      public boolean holds(Map<Term, Long> v) {
        return cs.stream().anyMatch(c -> c.holds(v));
      }

      public void terms(Set<Term> out) {
        cs.forEach(c -> c.terms(out));
      }

      @Override
      public String toString() {
        return cs.isEmpty() ? "false" : join(cs, " \\/ ", null);
      }
    }

    /** herd7's printing: an \/ inside an /\ takes parentheses, nothing else does. */
    private static String join(List<Cond> cs, String op, Class<?> paren) {
      List<String> parts = new ArrayList<>();
      for (Cond c : cs) {
        boolean p = paren != null && paren.isInstance(c) && !((Or) c).cs().isEmpty();
        parts.add(p ? "(" + c + ")" : c.toString());
      }
      return String.join(op, parts);
    }
  }

  /**
   * A parsed test. {@code locations} are the extra terms of a {@code locations [...]} line;
   * the final states show those and the condition's terms.
   */
  public record Test(String name, Map<Term, Long> init, List<List<Instr>> threads, Quantifier quantifier,
      Cond cond, List<Term> locations) {
    /** The terms a final state shows, in herd7's order. */
    public List<Term> observed() {
      Set<Term> out = new TreeSet<>(locations);
      cond.terms(out);
      return List.copyOf(out);
    }

    /** The condition as herd7 prints it: {@code exists (0:EAX=0 /\ 1:EAX=0)}. */
    public String condition() {
      return quantifier.text + " (" + cond + ")";
    }

    /** The test in herd7's format, columns aligned (without its doc string and header keys). */
    public String format() {
      StringBuilder sb = new StringBuilder("X86 ").append(name).append("\n{");
      init.forEach((t, v) -> sb.append(' ').append(t.thread() >= 0 ? t.toString() : t.name()).append('=')
          .append(v).append(';'));
      sb.append(init.isEmpty() ? "}\n" : " }\n");
      int rows = 0;
      List<Integer> width = new ArrayList<>();
      for (int t = 0; t < threads.size(); t++) {
        int w = ("P" + t).length();
        for (Instr in : threads.get(t)) {
          w = Math.max(w, in.toString().length());
          rows = Math.max(rows, in.row());
        }
        width.add(w);
      }
      List<List<String>> table = new ArrayList<>();
      List<String> head = new ArrayList<>();
      for (int t = 0; t < threads.size(); t++) {
        head.add("P" + t);
      }
      table.add(head);
      for (int r = 1; r <= rows; r++) {
        List<String> line = new ArrayList<>();
        for (List<Instr> code : threads) {
          int row = r;
          line.add(code.stream().filter(in -> in.row() == row).map(Instr::toString).findFirst().orElse(""));
        }
        table.add(line);
      }
      for (List<String> line : table) {
        StringBuilder l = new StringBuilder();
        for (int t = 0; t < line.size(); t++) {
          l.append(t == 0 ? " " : " | ").append(line.get(t))
              .append(" ".repeat(width.get(t) - line.get(t).length()));
        }
        sb.append(l).append(" ;\n");
      }
      if (!locations.isEmpty()) {
        sb.append("locations [");
        locations.forEach(t -> sb.append(t.thread() >= 0 ? t.toString() : t.name()).append(';'));
        sb.append("]\n");
      }
      return sb.append(condition()).append('\n').toString();
    }
  }

  // ------------------------------------------------------------------ running

  /** Final-state values over {@link Test#observed()}, compared value by value. */
  public static final Comparator<List<Long>> BY_VALUES = (a, b) -> {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = Long.compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  };

  /**
   * What one run found: each distinct final state over {@code terms} and whether it satisfies
   * the condition; {@code incomplete} says why the exploration stopped early (else null);
   * {@code thrownAway}, how many explorations were run again to learn what the steps read.
   */
  public record Run(String model, List<Term> terms, SortedMap<List<Long>, Boolean> outcomes, long states,
      long millis, String incomplete, int thrownAway) {
    public long positive() {
      return outcomes.values().stream().filter(b -> b).count();
    }

    public long negative() {
      return outcomes.size() - positive();
    }

    public Verdict verdict() {
      return Litmus.verdict(outcomes);
    }

    /** A final state as herd7 prints it: {@code 0:EAX=0; [x]=1;}. */
    public String line(List<Long> values) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < terms.size(); i++) {
        sb.append(i > 0 ? " " : "").append(terms.get(i)).append('=').append(values.get(i)).append(';');
      }
      return sb.toString();
    }
  }

  /** The herd7 name of a memory model. */
  public static String model(boolean tso) {
    return tso ? "x86tso" : "sc";
  }

  /** herd7's Observation: Never (no final state satisfies the condition), Always or Sometimes. */
  public static Verdict verdict(Map<List<Long>, Boolean> outcomes) {
    long yes = outcomes.values().stream().filter(b -> b).count();
    return yes == 0 ? Verdict.Never : yes == outcomes.size() ? Verdict.Always : Verdict.Sometimes;
  }

  /** The outcomes of {@code t} for these final states: each with whether it satisfies the condition. */
  public static SortedMap<List<Long>, Boolean> judge(Test t, Set<List<Long>> finals) {
    List<Term> terms = t.observed();
    SortedMap<List<Long>, Boolean> out = new TreeMap<>(BY_VALUES);
    for (List<Long> values : finals) {
      Map<Term, Long> v = new TreeMap<>();
      for (int i = 0; i < terms.size(); i++) {
        v.put(terms.get(i), values.get(i));
      }
      out.put(List.copyOf(values), t.cond().holds(v));
    }
    return out;
  }

  /** Runs {@code t} on the engine within the default bounds. */
  public static Run run(Test t, boolean tso) {
    return run(t, tso, Explorer.Limits.DEFAULT);
  }

  /**
   * Runs {@code t} on the engine, with store buffers ({@code tso}) or without (SC). Locations are
   * shared cells after the kernel's (so the engine's own bookkeeping cells stay untouched);
   * each thread's registers are its routine's parameters, so init values arrive as arguments.
   */
  public static Run run(Test t, boolean tso, Explorer.Limits limits) {
    int cpus = t.threads().size();
    List<Term> observed = t.observed();
    Set<String> locs = new LinkedHashSet<>();
    List<Set<String>> regSets = new ArrayList<>();
    for (int c = 0; c < cpus; c++) {
      regSets.add(new LinkedHashSet<>());
    }
    List<Term> named = new ArrayList<>(t.init().keySet());
    named.addAll(observed);
    for (Term term : named) {
      if (term.thread() < 0) {
        locs.add(term.name());
      } else {
        regSets.get(term.thread()).add(term.name());
      }
    }
    List<List<String>> regs = new ArrayList<>();
    for (int c = 0; c < cpus; c++) {
      for (Instr in : t.threads().get(c)) {
        if (in.loc() != null) {
          locs.add(in.loc());
        }
        regSets.get(c).addAll(in.regs());
      }
      regs.add(List.copyOf(regSets.get(c)));
      if (regs.get(c).size() > Vars.SCRATCH_REGS) { // the parser allows x86's 8 registers only
        throw new IllegalArgumentException(t.name() + ": P" + c + " uses more than "
            + Vars.SCRATCH_REGS + " registers");
      }
    }
    Vars vars = new Vars(cpus, 1, 0, 0);
    List<String> locList = List.copyOf(locs);
    KernelModel.Builder mb = KernelModel.builder("litmus").selfChecks();
    List<Routine> routines = new ArrayList<>();
    for (int c = 0; c < cpus; c++) {
      Routine r = compile(c, t.threads().get(c), regs.get(c),
          loc -> vars.sharedCells() + locList.indexOf(loc));
      routines.add(r);
      mb.routine(r);
    }
    KernelModel model = mb.build();
    Layout layout = new Layout(cpus, 1, new long[0], vars.globals(),
        vars.sharedCells() + locList.size(), Engine.regsFor(model), maxStores(t));
    Engine engine = new Engine(model, vars, layout, 0, false, List.of("init_mm"));
    Machine start = new Machine(layout, tso, false);
    List<List<Explorer.Start>> lanes = new ArrayList<>();
    for (int c = 0; c < cpus; c++) {
      long[] args = new long[regs.get(c).size()];
      for (int k = 0; k < args.length; k++) {
        args[k] = t.init().getOrDefault(new Term(c, regs.get(c).get(k)), 0L);
      }
      // the thread's footprint: loads read their location, stores and locked instructions write it
      Set<Integer> reads = new LinkedHashSet<>();
      Set<Integer> writes = new LinkedHashSet<>();
      for (Instr in : t.threads().get(c)) {
        if (in.loc() != null) {
          int addr = layout.cell(vars.sharedCells() + locList.indexOf(in.loc()));
          (in.kind() == Instr.Kind.LOAD ? reads : writes).add(addr);
        }
      }
      lanes.add(List.of(new Explorer.Start(routines.get(c), args, "P" + c,
          reads.stream().mapToInt(Integer::intValue).toArray(), writes.stream().mapToInt(Integer::intValue).toArray())));
    }
    for (int k = 0; k < locList.size(); k++) {
      start.poke(layout.cell(vars.sharedCells() + k), t.init().getOrDefault(new Term(-1, locList.get(k)), 0L));
    }
    Explorer.Result res = new Explorer(engine, false).explore(start, lanes, limits);
    Set<List<Long>> finals = new LinkedHashSet<>();
    for (Machine m : res.finals) {
      List<Long> values = new ArrayList<>();
      for (Term term : observed) {
        values.add(term.thread() >= 0
            ? m.reg(term.thread(), Vars.SCRATCH + regs.get(term.thread()).indexOf(term.name()))
            : m.memory(layout.cell(vars.sharedCells() + locList.indexOf(term.name()))));
      }
      finals.add(values);
    }
    return new Run(model(tso), observed, judge(t, finals), res.states, res.millis,
        res.complete ? null : res.incomplete, res.thrownAway);
  }

  /**
   * One routine per thread: one step per instruction, labelled {@code P<thread>:<row>}, with the
   * access the explorer needs (loads R, stores W, MFENCE F, locked instructions RMW, register
   * moves P). A last private step copies the registers (frame slots) into scratch CPU
   * registers, since the frame is cleared when the routine returns.
   */
  static Routine compile(int thread, List<Instr> code, List<String> regs,
      java.util.function.ToIntFunction<String> cell) {
    String p = "P" + thread;
    Routine.Builder b = Routine.builder(p);
    Map<String, Local> slot = new LinkedHashMap<>();
    for (String r : regs) {
      slot.put(r, b.param(r));
    }
    for (Instr in : code) {
      String label = p + ":" + in.row();
      String text = in.toString();
      int c = in.loc() != null ? cell.applyAsInt(in.loc()) : -1;
      Local r = in.reg() != null ? slot.get(in.reg()) : null;
      long v = in.value();
      switch (in.kind()) {
        case STORE -> b.step(label, Access.W, text, x -> x.store(c, v));
        case STORE_REG -> b.step(label, Access.W, text, x -> x.store(c, x.get(r)));
        case LOAD -> b.step(label, Access.R, text, x -> x.set(r, x.load(c)));
        case MOVE -> b.step(label, Access.P, text, x -> x.set(r, v));
        case MFENCE -> b.step(label, Access.F, text, x -> x.fence());
        case XCHG -> b.step(label, Access.RMW, text, x -> x.set(r, x.xchg(c, x.get(r))));
        case ADD -> b.step(label, Access.RMW, text, x -> x.rmwAdd(c, v));
        case ADD_REG -> b.step(label, Access.RMW, text, x -> x.rmwAdd(c, x.get(r)));
        case INC -> b.step(label, Access.RMW, text, x -> x.rmwAdd(c, 1));
        case CMPXCHG -> {
          Local acc = slot.get(Instr.ACCUMULATOR);
          // equal: [x] := REG and EAX keeps its value, which is the old one; else EAX := [x]
          b.step(label, Access.RMW, text, x -> x.set(acc, x.cmpxchg(c, x.get(acc), x.get(r))));
        }
        case XADD -> b.step(label, Access.RMW, text, x -> {
          long delta = x.get(r);
          x.set(r, x.rmwAdd(c, delta) - delta); // rmwAdd returns the sum; REG gets the old value
        });
      }
    }
    List<Local> locals = List.copyOf(slot.values());
    b.step(p + ":regs", Access.P, "keep the registers", x -> {
      for (int k = 0; k < locals.size(); k++) {
        x.setReg(Vars.SCRATCH + k, x.get(locals.get(k)));
      }
    });
    return b.build();
  }

  /** herd7's Ok: some final state satisfies an exists, none a ~exists, all a forall. */
  public static boolean ok(Test t, Run r) {
    return switch (t.quantifier()) {
      case EXISTS -> r.positive() > 0;
      case NOT_EXISTS -> r.positive() == 0;
      case FORALL -> r.negative() == 0;
    };
  }

  /**
   * The herd7-style report of one run. Positive and Negative count distinct final states, not
   * herd7's candidate executions; for {@code ~exists} they are swapped, as herd7 swaps them
   * (Positive: the states that do not satisfy the condition). The Observation line's counts
   * are always those that satisfy it and those that do not.
   */
  public static String report(Test t, Run r) {
    long yes = r.positive();
    long no = r.negative();
    boolean swap = t.quantifier() == Quantifier.NOT_EXISTS;
    StringBuilder sb = new StringBuilder();
    sb.append("Test ").append(t.name()).append(' ').append(t.quantifier().kind).append('\n');
    sb.append("States ").append(r.outcomes().size()).append('\n');
    r.outcomes().keySet().forEach(o -> sb.append(r.line(o)).append('\n'));
    sb.append(ok(t, r) ? "Ok" : "No").append('\n');
    sb.append("Witnesses\nPositive: ").append(swap ? no : yes).append(" Negative: ").append(swap ? yes : no)
        .append('\n');
    sb.append("Condition ").append(t.condition()).append('\n');
    sb.append("Observation ").append(t.name()).append(' ').append(r.verdict()).append(' ')
        .append(yes).append(' ').append(no).append('\n');
    sb.append(String.format(java.util.Locale.ROOT, "Time %s %.2f\n", t.name(), r.millis() / 1000.0));
    return sb.toString();
  }

  /** Store-buffer entries a thread can need: its plain stores (a program has no loops). */
  private static int maxStores(Test t) {
    int max = 1;
    for (List<Instr> code : t.threads()) {
      max = Math.max(max, (int) code.stream()
          .filter(in -> in.kind() == Instr.Kind.STORE || in.kind() == Instr.Kind.STORE_REG).count());
    }
    return max;
  }
}
