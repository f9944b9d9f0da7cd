package org.tlbscript.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tlbscript.hw.Layout;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Access;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Local;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Vars;

/**
 * herd7's x86 litmus tests on tlbscript's own engine: each thread becomes one routine of steps
 * (one per instruction) and the {@link Explorer} runs every interleaving, once with x86-TSO store
 * buffers and once without (sequential consistency). The final condition is then judged on every
 * final state, as herd7 does: Always, Sometimes or Never. This checks the engine's store-buffer
 * semantics against herd7's {@code x86tso.cat} and {@code sc.cat}.
 *
 * <p>Supported: {@code MOV [x],$n}, {@code MOV [x],REG}, {@code MOV REG,[x]}, {@code MOV REG,$n},
 * {@code MFENCE}; an optional init block of {@code x=n;} and {@code N:REG=n;}; a final
 * {@code exists}, {@code ~exists} or {@code forall} over {@code /\}, {@code \/}, {@code ~} and
 * terms {@code N:REG=n}, {@code x=n}.
 */
public final class Litmus {
  private Litmus() {}

  public enum Verdict { Always, Sometimes, Never }

  /** One instruction; {@code reg} and {@code loc} are null when the form has none. */
  public record Instr(int line, String text, Kind kind, String reg, String loc, long value) {
    public enum Kind { STORE, STORE_REG, LOAD, MOVE, MFENCE }
  }

  /** A term of the condition or init block: a register of a thread ({@code thread ≥ 0}) or a location. */
  public record Term(int thread, String name) implements Comparable<Term> {
    @Override
    public String toString() {
      return thread >= 0 ? thread + ":" + name : name;
    }

    @Override
    public int compareTo(Term o) {
      // herd prints registers (by thread) before locations
      int a = thread >= 0 ? thread : Integer.MAX_VALUE;
      int b = o.thread >= 0 ? o.thread : Integer.MAX_VALUE;
      return a != b ? Integer.compare(a, b) : name.compareTo(o.name);
    }
  }

  /** The condition: a term's value test, or ~, /\, \/ of conditions. */
  public sealed interface Cond {
    /** Does it hold for these values (a term not given is 0, as herd's initial state)? */
    boolean holds(Map<Term, Long> v);

    /** Adds the terms it reads, in order. */
    void terms(Set<Term> out);

    record Eq(Term term, long value) implements Cond {
      public boolean holds(Map<Term, Long> v) {
        return v.getOrDefault(term, 0L) == value;
      }

      public void terms(Set<Term> out) {
        out.add(term);
      }
    }

    record Not(Cond c) implements Cond {
      public boolean holds(Map<Term, Long> v) {
        return !c.holds(v);
      }

      public void terms(Set<Term> out) {
        c.terms(out);
      }
    }

    record And(Cond a, Cond b) implements Cond {
      public boolean holds(Map<Term, Long> v) {
        return a.holds(v) && b.holds(v);
      }

      public void terms(Set<Term> out) {
        a.terms(out);
        b.terms(out);
      }
    }

    record Or(Cond a, Cond b) implements Cond {
      public boolean holds(Map<Term, Long> v) {
        return a.holds(v) || b.holds(v);
      }

      public void terms(Set<Term> out) {
        a.terms(out);
        b.terms(out);
      }
    }
  }

  public record Test(String name, Map<Term, Long> init, List<List<Instr>> threads,
      String quantifier, Cond cond, String condText) {}

  // ------------------------------------------------------------------ parsing

  private static final Pattern STORE = Pattern.compile("(?i)MOV\\s*\\[\\s*(\\w+)\\s*\\]\\s*,\\s*\\$(-?\\d+)");
  private static final Pattern STORE_REG = Pattern.compile("(?i)MOV\\s*\\[\\s*(\\w+)\\s*\\]\\s*,\\s*(\\w+)");
  private static final Pattern LOAD = Pattern.compile("(?i)MOV\\s*(\\w+)\\s*,\\s*\\[\\s*(\\w+)\\s*\\]");
  private static final Pattern MOVE = Pattern.compile("(?i)MOV\\s*(\\w+)\\s*,\\s*\\$(-?\\d+)");
  private static final Pattern THREADS = Pattern.compile("\\s*P0\\s*[|;].*");

  public static Test parse(String text) {
    List<String> lines = text.lines().toList();
    int i = 0;
    while (i < lines.size() && lines.get(i).isBlank()) {
      i++;
    }
    String[] head = i < lines.size() ? lines.get(i).trim().split("\\s+", 2) : new String[0];
    if (head.length < 2 || !head[0].equalsIgnoreCase("X86")) {
      throw new IllegalArgumentException("not an x86 litmus test: the first line must be `X86 NAME`");
    }
    String name = head[1].trim();
    // header lines (quoted doc string, key=value lines) are skipped up to the init block or table
    Map<Term, Long> init = new LinkedHashMap<>();
    for (i++; i < lines.size() && !THREADS.matcher(lines.get(i)).matches(); i++) {
      if (lines.get(i).trim().startsWith("{")) {
        StringBuilder block = new StringBuilder();
        for (; i < lines.size(); i++) {
          block.append(lines.get(i)).append('\n');
          if (lines.get(i).contains("}")) {
            break;
          }
        }
        String body = block.substring(block.indexOf("{") + 1, block.lastIndexOf("}"));
        for (String a : body.split(";")) {
          if (!a.isBlank()) {
            String[] kv = a.split("=");
            if (kv.length != 2) {
              throw new IllegalArgumentException("bad initial value `" + a.trim() + "`");
            }
            init.put(term(kv[0]), Long.parseLong(kv[1].trim()));
          }
        }
      }
    }
    if (i == lines.size()) {
      throw new IllegalArgumentException(name + ": no program (a `P0 | P1 ;` line)");
    }
    int n = lines.get(i).replace(";", "").split("\\|").length;
    List<List<Instr>> threads = new ArrayList<>();
    for (int t = 0; t < n; t++) {
      threads.add(new ArrayList<>());
    }
    int row = 0;
    for (i++; i < lines.size() && lines.get(i).trim().endsWith(";"); i++) {
      row++;
      String[] cells = lines.get(i).trim().replaceAll(";$", "").split("\\|", -1);
      for (int t = 0; t < Math.min(n, cells.length); t++) {
        if (!cells[t].isBlank()) {
          threads.get(t).add(instr(row, cells[t].trim(), name, t));
        }
      }
    }
    StringBuilder rest = new StringBuilder();
    for (; i < lines.size(); i++) {
      rest.append(lines.get(i).replaceAll("\\(\\*.*?\\*\\)", "")).append(' ');
    }
    Matcher q = Pattern.compile("(~exists|exists|forall)\\s*(.*)", Pattern.DOTALL).matcher(rest.toString().trim());
    if (!q.find()) {
      throw new IllegalArgumentException(name + ": no final condition (exists, ~exists or forall)");
    }
    String condText = q.group(2).trim();
    Cond cond = new CondParser(condText).parse();
    return new Test(name, init, threads, q.group(1), cond, condText);
  }

  private static Instr instr(int line, String s, String test, int thread) {
    Matcher m;
    if ((m = STORE.matcher(s)).matches()) {
      return new Instr(line, s, Instr.Kind.STORE, null, m.group(1), Long.parseLong(m.group(2)));
    } else if ((m = STORE_REG.matcher(s)).matches()) {
      return new Instr(line, s, Instr.Kind.STORE_REG, m.group(2).toUpperCase(), m.group(1), 0);
    } else if ((m = LOAD.matcher(s)).matches()) {
      return new Instr(line, s, Instr.Kind.LOAD, m.group(1).toUpperCase(), m.group(2), 0);
    } else if ((m = MOVE.matcher(s)).matches()) {
      return new Instr(line, s, Instr.Kind.MOVE, m.group(1).toUpperCase(), null, Long.parseLong(m.group(2)));
    } else if (s.equalsIgnoreCase("MFENCE")) {
      return new Instr(line, s, Instr.Kind.MFENCE, null, null, 0);
    }
    throw new IllegalArgumentException(test + ": P" + thread + " line " + line
        + ": unsupported instruction `" + s + "`");
  }

  /** {@code N:REG} or a location, with optional brackets ({@code [x]}). */
  private static Term term(String s) {
    String t = s.trim().replaceAll("^\\[(.*)\\]$", "$1").trim();
    int colon = t.indexOf(':');
    return colon < 0 ? new Term(-1, t)
        : new Term(Integer.parseInt(t.substring(0, colon).trim()), t.substring(colon + 1).trim().toUpperCase());
  }

  /** Recursive descent; as in herd, ~ binds tighter than /\, which binds tighter than \/. */
  private static final class CondParser {
    private final String s;
    private int p;

    CondParser(String s) {
      this.s = s;
    }

    Cond parse() {
      Cond c = or();
      skip();
      if (p != s.length()) {
        throw error("unexpected `" + s.substring(p) + "`");
      }
      return c;
    }

    private Cond or() {
      Cond c = and();
      while (eat("\\/")) {
        c = new Cond.Or(c, and());
      }
      return c;
    }

    private Cond and() {
      Cond c = not();
      while (eat("/\\")) {
        c = new Cond.And(c, not());
      }
      return c;
    }

    private Cond not() {
      if (eat("~")) {
        return new Cond.Not(not());
      }
      if (eat("(")) {
        Cond c = or();
        if (!eat(")")) {
          throw error("missing )");
        }
        return c;
      }
      skip();
      Matcher m = Pattern.compile("(\\d+\\s*:\\s*\\w+|\\[?\\w+\\]?)\\s*=\\s*(-?\\d+)").matcher(s).region(p, s.length());
      if (!m.lookingAt()) {
        throw error("expected a term like 0:EAX=1 or x=1");
      }
      p = m.end();
      return new Cond.Eq(term(m.group(1)), Long.parseLong(m.group(2)));
    }

    private boolean eat(String tok) {
      skip();
      if (s.startsWith(tok, p)) {
        p += tok.length();
        return true;
      }
      return false;
    }

    private void skip() {
      while (p < s.length() && Character.isWhitespace(s.charAt(p))) {
        p++;
      }
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException("condition `" + s + "` at " + p + ": " + what);
    }
  }

  // ------------------------------------------------------------------ running

  /** What one run found: each outcome (over the condition's terms) and whether it satisfies the condition. */
  public record Run(String model, Map<String, Boolean> outcomes, Verdict verdict, long states,
      long finals) {}

  /**
   * Runs {@code t} on the engine, with store buffers ({@code tso}) or without (SC). Locations are
   * shared cells after the kernel's (so the engine's own bookkeeping cells stay untouched);
   * each thread's registers are its routine's parameters, so init values arrive as arguments.
   */
  public static Run run(Test t, boolean tso) {
    int cpus = t.threads().size();
    Set<Term> observed = new TreeSet<>();
    t.cond().terms(observed);
    Set<String> locs = new LinkedHashSet<>();
    List<List<String>> regs = new ArrayList<>();
    for (int c = 0; c < cpus; c++) {
      regs.add(new ArrayList<>());
    }
    for (Term term : concat(t.init().keySet(), observed)) {
      if (term.thread() < 0) {
        locs.add(term.name());
      } else if (term.thread() < cpus) {
        addOnce(regs.get(term.thread()), term.name());
      } else {
        throw new IllegalArgumentException(t.name() + ": no thread P" + term.thread());
      }
    }
    for (int c = 0; c < cpus; c++) {
      for (Instr in : t.threads().get(c)) {
        if (in.loc() != null) {
          locs.add(in.loc());
        }
        if (in.reg() != null) {
          addOnce(regs.get(c), in.reg());
        }
      }
      if (regs.get(c).size() > Vars.SCRATCH_REGS) {
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
      lanes.add(List.of(new Explorer.Start(routines.get(c), args, "P" + c)));
    }
    for (int k = 0; k < locList.size(); k++) {
      start.poke(layout.cell(vars.sharedCells() + k), t.init().getOrDefault(new Term(-1, locList.get(k)), 0L));
    }
    Explorer.Result res = new Explorer(engine, false).explore(start, lanes, Explorer.Limits.DEFAULT);
    if (!res.complete) {
      throw new IllegalStateException(t.name() + ": exploration incomplete: " + res.incomplete);
    }
    Map<String, Boolean> outcomes = new TreeMap<>();
    for (Machine m : res.finals) {
      Map<Term, Long> v = new TreeMap<>();
      StringBuilder line = new StringBuilder();
      for (Term term : observed) {
        long value = term.thread() >= 0
            ? m.reg(term.thread(), Vars.SCRATCH + regs.get(term.thread()).indexOf(term.name()))
            : m.memory(layout.cell(vars.sharedCells() + locList.indexOf(term.name())));
        v.put(term, value);
        line.append(term).append('=').append(value).append("; ");
      }
      outcomes.put(line.toString().trim(), t.cond().holds(v));
    }
    long yes = outcomes.values().stream().filter(b -> b).count();
    Verdict verdict = yes == 0 ? Verdict.Never : yes == outcomes.size() ? Verdict.Always : Verdict.Sometimes;
    return new Run(tso ? "x86tso" : "sc", outcomes, verdict, res.states, res.finals.size());
  }

  /**
   * One routine per thread: one step per instruction, labelled {@code P<thread>:<line>}, with the
   * access the explorer needs (loads R, stores W, MFENCE F; register moves are private). A last
   * private step copies the registers (frame slots) into scratch CPU registers, since the frame
   * is cleared when the routine returns.
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
      String label = p + ":" + in.line();
      switch (in.kind()) {
        case STORE -> {
          int c = cell.applyAsInt(in.loc());
          long v = in.value();
          b.step(label, Access.W, in.text(), x -> x.store(c, v));
        }
        case STORE_REG -> {
          int c = cell.applyAsInt(in.loc());
          Local r = slot.get(in.reg());
          b.step(label, Access.W, in.text(), x -> x.store(c, x.get(r)));
        }
        case LOAD -> {
          int c = cell.applyAsInt(in.loc());
          Local r = slot.get(in.reg());
          b.step(label, Access.R, in.text(), x -> x.set(r, x.load(c)));
        }
        case MOVE -> {
          Local r = slot.get(in.reg());
          long v = in.value();
          b.step(label, Access.P, in.text(), x -> x.set(r, v));
        }
        case MFENCE -> b.step(label, Access.F, in.text(), x -> x.fence());
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

  /** The herd7-style report of one run. */
  public static String report(Test t, Run r) {
    long yes = r.outcomes().values().stream().filter(b -> b).count();
    long no = r.outcomes().size() - yes;
    boolean ok = switch (t.quantifier()) {
      case "exists" -> yes > 0;
      case "~exists" -> yes == 0;
      default -> no == 0;
    };
    String kind = switch (t.quantifier()) {
      case "exists" -> "Allowed";
      case "~exists" -> "Forbidden";
      default -> "Required";
    };
    StringBuilder sb = new StringBuilder();
    sb.append("Test ").append(t.name()).append(' ').append(kind).append(" (").append(r.model()).append(")\n");
    sb.append("States ").append(r.outcomes().size()).append('\n');
    r.outcomes().keySet().forEach(o -> sb.append(o).append('\n'));
    sb.append(ok ? "Ok" : "No").append('\n');
    // counted over distinct outcomes, not herd's candidate executions
    sb.append("Witnesses\nPositive: ").append(yes).append(" Negative: ").append(no).append('\n');
    sb.append("Condition ").append(t.quantifier()).append(' ').append(t.condText()).append('\n');
    sb.append("Observation ").append(t.name()).append(' ').append(r.verdict()).append(' ')
        .append(yes).append(' ').append(no).append('\n');
    sb.append("Explored ").append(r.states()).append(" states, ").append(r.finals()).append(" final\n");
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

  private static <T> List<T> concat(Set<T> a, Set<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static void addOnce(List<String> list, String s) {
    if (!list.contains(s)) {
      list.add(s);
    }
  }
}
