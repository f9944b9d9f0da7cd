package org.tlbscript.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.tlbscript.engine.Litmus.Instr;
import org.tlbscript.engine.Litmus.Term;
import org.tlbscript.litmus.LitmusParser;

/**
 * A reference enumerator of litmus tests under x86-TSO and SC, written for the tests and sharing
 * no execution code with the engine (it takes only the parsed program). It is the operational
 * x86-TSO machine of Owens, Sarkar and Sewell, plainly: each thread has a pc, its registers and
 * an unbounded FIFO store buffer; a move is a thread's next instruction or the oldest entry of
 * a thread's buffer reaching memory. A load reads the newest entry of its own buffer for the
 * address, else memory; MFENCE and locked instructions wait for an empty buffer and act on
 * memory in one move. Under SC a store writes memory at once. Every interleaving is enumerated
 * depth first with a visited set of whole states, with no reduction of any kind.
 */
final class ReferenceTso {
  private ReferenceTso() {}

  /** What the enumeration found: final states over {@link Litmus.Test#observed()}, and states visited. */
  record Result(Set<List<Long>> finals, long states) {}

  /** A state as a key of the visited set. */
  private record Key(long[] s) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(s, k.s);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(s);
    }
  }

  private static final int REGS = LitmusParser.REGISTERS.size();

  /** A bound on the states visited, so that a too large program fails its test rather than the JVM. */
  static final int MAX_STATES = 4_000_000;

  static Result run(Litmus.Test t, boolean tso) {
    int n = t.threads().size();
    List<String> locs = new ArrayList<>();
    for (Term term : t.init().keySet()) {
      addLoc(locs, term);
    }
    for (Term term : t.observed()) {
      addLoc(locs, term);
    }
    for (List<Instr> code : t.threads()) {
      for (Instr in : code) {
        if (in.loc() != null && !locs.contains(in.loc())) {
          locs.add(in.loc());
        }
      }
    }
    // layout: pcs, registers, memory, then per thread a buffer: its length and (loc, value) pairs
    int regBase = n;
    int memBase = regBase + n * REGS;
    int[] bufBase = new int[n];
    int size = memBase + locs.size();
    for (int i = 0; i < n; i++) {
      bufBase[i] = size;
      long stores = t.threads().get(i).stream()
          .filter(in -> in.kind() == Instr.Kind.STORE || in.kind() == Instr.Kind.STORE_REG).count();
      size += 1 + 2 * (int) stores; // a buffer holds at most every store of its thread
    }
    long[] start = new long[size];
    t.init().forEach((term, v) -> start[term.thread() >= 0
        ? regBase + term.thread() * REGS + reg(term.name()) : memBase + locs.indexOf(term.name())] = v);

    Set<Key> visited = new HashSet<>();
    ArrayDeque<long[]> todo = new ArrayDeque<>();
    Set<List<Long>> finals = new LinkedHashSet<>();
    visited.add(new Key(start));
    todo.push(start);
    while (!todo.isEmpty()) {
      long[] s = todo.pop();
      boolean done = true;
      for (int i = 0; i < n; i++) {
        List<Instr> code = t.threads().get(i);
        int b = bufBase[i];
        if (s[i] < code.size()) {
          done = false;
          Instr in = code.get((int) s[i]);
          boolean waits = in.kind() == Instr.Kind.MFENCE || locked(in);
          if (!(tso && waits && s[b] > 0)) {
            long[] s2 = s.clone();
            s2[i]++;
            int r = in.reg() != null ? regBase + i * REGS + reg(in.reg()) : -1;
            int m = in.loc() != null ? memBase + locs.indexOf(in.loc()) : -1;
            execute(in, s2, r, m, regBase + i * REGS + reg(Instr.ACCUMULATOR), tso ? b : -1);
            push(visited, todo, s2, t);
          }
        }
        if (s[b] > 0) { // the oldest buffered store reaches memory
          done = false;
          long[] s2 = s.clone();
          s2[(int) s[b + 1]] = s[b + 2];
          int len = (int) s[b];
          System.arraycopy(s2, b + 3, s2, b + 1, 2 * (len - 1));
          s2[b + 2 * len - 1] = 0;
          s2[b + 2 * len] = 0;
          s2[b] = len - 1;
          push(visited, todo, s2, t);
        }
      }
      if (done) {
        List<Long> values = new ArrayList<>();
        for (Term term : t.observed()) {
          values.add(s[term.thread() >= 0
              ? regBase + term.thread() * REGS + reg(term.name()) : memBase + locs.indexOf(term.name())]);
        }
        finals.add(values);
      }
    }
    return new Result(finals, visited.size());
  }

  private static void push(Set<Key> visited, ArrayDeque<long[]> todo, long[] s, Litmus.Test t) {
    if (visited.add(new Key(s))) {
      if (visited.size() > MAX_STATES) {
        throw new IllegalStateException(t.name() + ": more than " + MAX_STATES + " states");
      }
      todo.push(s);
    }
  }

  /**
   * One instruction on state {@code s}: {@code r} is the index of its register, {@code m} of
   * its location in memory, {@code eax} of the thread's EAX, {@code buf} of its store buffer
   * (-1 under SC, where stores write memory).
   */
  private static void execute(Instr in, long[] s, int r, int m, int eax, int buf) {
    switch (in.kind()) {
      case STORE, STORE_REG -> {
        long v = in.kind() == Instr.Kind.STORE ? in.value() : s[r];
        if (buf < 0) {
          s[m] = v;
        } else {
          int len = (int) s[buf];
          s[buf + 1 + 2 * len] = m;
          s[buf + 2 + 2 * len] = v;
          s[buf] = len + 1;
        }
      }
      case LOAD -> {
        long v = s[m];
        for (int k = buf < 0 ? -1 : (int) s[buf] - 1; k >= 0; k--) { // newest entry first
          if (s[buf + 1 + 2 * k] == m) {
            v = s[buf + 2 + 2 * k];
            break;
          }
        }
        s[r] = v;
      }
      case MOVE -> s[r] = in.value();
      case MFENCE -> { }
      case XCHG -> {
        long old = s[m];
        s[m] = s[r];
        s[r] = old;
      }
      case ADD -> s[m] += in.value();
      case ADD_REG -> s[m] += s[r];
      case INC -> s[m] += 1;
      case CMPXCHG -> {
        if (s[m] == s[eax]) {
          s[m] = s[r];
        } else {
          s[eax] = s[m];
        }
      }
      case XADD -> {
        long old = s[m];
        s[m] = old + s[r];
        s[r] = old;
      }
    }
  }

  private static boolean locked(Instr in) {
    return switch (in.kind()) {
      case XCHG, ADD, ADD_REG, INC, CMPXCHG, XADD -> true;
      default -> false;
    };
  }

  private static int reg(String name) {
    return LitmusParser.REGISTERS.indexOf(name);
  }

  private static void addLoc(List<String> locs, Term term) {
    if (term.thread() < 0 && !locs.contains(term.name())) {
      locs.add(term.name());
    }
  }
}
