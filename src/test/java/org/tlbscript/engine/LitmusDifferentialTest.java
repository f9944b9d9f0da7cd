package org.tlbscript.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.tlbscript.engine.Litmus.Cond;
import org.tlbscript.engine.Litmus.Instr;
import org.tlbscript.engine.Litmus.Instr.Kind;
import org.tlbscript.engine.Litmus.Term;
import org.tlbscript.lang.Source;
import org.tlbscript.litmus.LitmusParser;

/**
 * The engine's x86-TSO and SC semantics against {@link ReferenceTso}, on random small programs:
 * 2 to 4 threads over 1 to 3 locations, plain loads and stores, MFENCE, XCHG and locked
 * ADD/INC/CMPXCHG/XADD, loads of a thread's own recent store (store then load of the same
 * location), and now and then a run of 9 or 10 stores in one thread (past the engine's 8
 * buffer entries). The final-state SETS must be equal, not only the verdicts. Each program is
 * printed as litmus text and parsed back, so the parser is on the path.
 *
 * <p>{@code -Dtlbscript.litmusPrograms=N -Dtlbscript.seed=S} for a longer run; a failure
 * prints each program that differs (save it as a .litmus file for {@code tlbscript litmus})
 * and the final states only one side reached.
 */
class LitmusDifferentialTest {
  static final int PROGRAMS = Integer.getInteger("tlbscript.litmusPrograms", 400);
  static final long SEED = Long.getLong("tlbscript.seed", 1);
  static final String[] LOCS = {"x", "y", "z"};

  @Test
  void engineAndReferenceReachTheSameFinalStates() {
    List<String> differ = new ArrayList<>();
    List<String> names = new ArrayList<>();
    int count = 0;
    for (int i = 0; i < PROGRAMS; i++) {
      Litmus.Test generated = generate(new Random(SEED * 1_000_003L + i), "rand-" + SEED + "-" + i);
      String text = generated.format();
      Litmus.Test t = LitmusParser.parse(new Source(generated.name() + ".litmus", text));
      assertEquals(text, t.format(), "the printed program parses back to itself");
      String why = "";
      for (boolean tso : new boolean[] {true, false}) {
        String d = compare(t, tso);
        if (!d.isEmpty()) {
          names.add(t.name() + " (" + Litmus.model(tso) + ")");
        }
        why += d;
      }
      if (!why.isEmpty()) {
        count++;
        differ.add(text + why);
      }
    }
    if (count > 0) {
      fail(count + " of " + PROGRAMS + " programs (seed " + SEED + ") differ: " + String.join(", ", names)
          + (count > 10 ? "\nthe first 10:" : "") + "\n\n" + String.join("\n", differ.subList(0, Math.min(10, count))));
    }
  }

  /** What differs between the engine's and the reference's final states, or "". */
  static String compare(Litmus.Test t, boolean tso) {
    Litmus.Run engine = Litmus.run(t, tso);
    assertNull(engine.incomplete(), t.name());
    Set<List<Long>> ours = engine.outcomes().keySet();
    Set<List<Long>> ref = ReferenceTso.run(t, tso).finals();
    Set<List<Long>> onlyEngine = new TreeSet<>(Litmus.BY_VALUES);
    onlyEngine.addAll(ours);
    onlyEngine.removeAll(ref);
    Set<List<Long>> onlyRef = new TreeSet<>(Litmus.BY_VALUES);
    onlyRef.addAll(ref);
    onlyRef.removeAll(ours);
    if (onlyEngine.isEmpty() && onlyRef.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder("  " + Litmus.model(tso) + ": engine " + ours.size()
        + " final states, reference " + ref.size() + "\n");
    lines(sb, "missed by the engine: ", onlyRef, engine);
    lines(sb, "only the engine:      ", onlyEngine, engine);
    return sb.toString();
  }

  private static void lines(StringBuilder sb, String what, Set<List<Long>> states, Litmus.Run r) {
    states.stream().limit(6).forEach(v -> sb.append("    ").append(what).append(r.line(v)).append('\n'));
    if (states.size() > 6) {
      sb.append("    ... and ").append(states.size() - 6).append(" more\n");
    }
  }

  /** The instructions drawn, with their weights. */
  static final Kind[] MIX = {Kind.LOAD, Kind.LOAD, Kind.LOAD, Kind.LOAD, Kind.LOAD, Kind.STORE, Kind.STORE,
      Kind.STORE, Kind.STORE, Kind.STORE, Kind.STORE, Kind.MFENCE, Kind.MFENCE, Kind.XCHG, Kind.XCHG, Kind.ADD,
      Kind.INC, Kind.CMPXCHG, Kind.CMPXCHG, Kind.XADD};
  static final Kind[] FENCES = {Kind.MFENCE, Kind.XCHG, Kind.ADD, Kind.INC, Kind.CMPXCHG, Kind.XADD};

  /**
   * A random program. Store values are distinct (1, 2, ...), so a final state says which store
   * each load read; every register written and every location is shown ({@code locations}).
   * One program in ten has a run of 9 or 10 stores in P0 (to every location but one), then one
   * instruction (often a load of that one), and in half of those P1 stores to what that
   * instruction reads, fences and loads P0's first store: the shape that sees whether all of
   * the run can wait in the store buffer at once (SB+9W+mfence).
   */
  static Litmus.Test generate(Random rnd, String name) {
    boolean longRun = rnd.nextInt(10) == 0;
    int threads = 2 + rnd.nextInt(longRun ? 2 : 3);
    int nlocs = longRun ? 2 + rnd.nextInt(2) : 1 + rnd.nextInt(3);
    // sizes that keep the reference's unreduced enumeration small: at most 10 instructions
    // besides a run of stores
    int maxLen = longRun ? 2 : 10 / threads;
    Gen g = new Gen(rnd);
    List<List<Instr>> code = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      List<Kind> kinds = new ArrayList<>();
      List<String> locs = new ArrayList<>();
      int run = longRun && t == 0 ? 9 + rnd.nextInt(2) : 0;
      if (run > 0) {
        // the run stores to all locations but the last, which a load after it may read
        for (int k = 0; k < run; k++) {
          kinds.add(Kind.STORE);
          locs.add(LOCS[rnd.nextInt(nlocs - 1)]);
        }
        boolean load = rnd.nextBoolean();
        kinds.add(load ? Kind.LOAD : MIX[rnd.nextInt(MIX.length)]);
        locs.add(LOCS[load ? nlocs - 1 : rnd.nextInt(nlocs)]);
      } else if (longRun && t == 1 && rnd.nextBoolean()) {
        // the observer: a store to what P0's last instruction reads, a fence, a load of P0's first store
        List<Instr> p0 = code.get(0);
        String last = p0.get(p0.size() - 1).loc();
        kinds.addAll(List.of(Kind.STORE, FENCES[rnd.nextInt(FENCES.length)], Kind.LOAD));
        locs.addAll(List.of(last != null ? last : LOCS[0], LOCS[rnd.nextInt(nlocs)], p0.get(0).loc()));
        run = kinds.size();
      } else {
        for (int k = 1 + rnd.nextInt(maxLen); k > 0; k--) {
          kinds.add(MIX[rnd.nextInt(MIX.length)]);
        }
      }
      List<Instr> out = new ArrayList<>();
      List<String> free = new ArrayList<>(List.of("EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP"));
      String stored = null; // the location of the previous store
      for (Kind kind : kinds) {
        String loc = out.size() < locs.size() ? locs.get(out.size()) : LOCS[rnd.nextInt(nlocs)];
        if (stored != null && out.size() >= run && rnd.nextInt(5) < 2) {
          kind = Kind.LOAD; // a load of one's own store, still in the buffer or not
          loc = stored;
        }
        out.add(g.instr(t, out.size() + 1, kind, loc, free));
        stored = kind == Kind.STORE ? loc : null;
      }
      code.add(out);
    }
    for (int k = 0; k < nlocs; k++) {
      g.shown.add(new Term(-1, LOCS[k]));
    }
    // the condition: one term of the shown ones, so quantifiers and verdicts vary too
    List<Term> terms = new ArrayList<>(g.shown);
    Cond cond = new Cond.Eq(terms.get(rnd.nextInt(terms.size())), rnd.nextInt(3));
    Litmus.Quantifier q = Litmus.Quantifier.values()[rnd.nextInt(3)];
    return new Litmus.Test(name, g.init, code, q, cond, terms);
  }

  /** What a program's instructions need: distinct store values, initial registers, the terms shown. */
  static final class Gen {
    final Random rnd;
    final Map<Term, Long> init = new LinkedHashMap<>();
    final Set<Term> shown = new TreeSet<>();
    long next = 1;

    Gen(Random rnd) {
      this.rnd = rnd;
    }

    Instr instr(int t, int row, Kind kind, String loc, List<String> free) {
      String reg = free.isEmpty() ? "EBX" : free.get(0);
      switch (kind) {
        case STORE -> {
          return new Instr(row, kind, null, loc, next++);
        }
        case MFENCE -> {
          return new Instr(row, kind, null, null, 0);
        }
        case ADD -> {
          return new Instr(row, kind, null, loc, 1 + rnd.nextInt(2));
        }
        case INC -> {
          return new Instr(row, kind, null, loc, 0);
        }
        case LOAD -> { }
        case CMPXCHG -> {
          // EAX, the comparand, holds 0 or a value some store may write: either outcome happens
          Term eax = new Term(t, Instr.ACCUMULATOR);
          init.putIfAbsent(eax, rnd.nextBoolean() ? 0L : 1 + rnd.nextInt((int) next));
          shown.add(eax);
          init.put(new Term(t, reg), 100 + next++); // the value it brings to memory
        }
        default -> init.put(new Term(t, reg), 100 + next++); // XCHG, XADD
      }
      free.remove(reg);
      shown.add(new Term(t, reg));
      return new Instr(row, kind, reg, loc, 0);
    }
  }
}
