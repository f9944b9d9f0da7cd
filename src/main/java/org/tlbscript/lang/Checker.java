package org.tlbscript.lang;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.tlbscript.lang.Ast.Action;
import org.tlbscript.lang.Ast.Assert;
import org.tlbscript.lang.Ast.CpuRef;
import org.tlbscript.lang.Ast.Header;
import org.tlbscript.lang.Ast.HeaderKind;
import org.tlbscript.lang.Ast.MmRef;
import org.tlbscript.lang.Ast.Num;
import org.tlbscript.lang.Ast.Range;
import org.tlbscript.lang.Ast.Stmt;
import org.tlbscript.lang.Ast.Verb;

/**
 * The static pass between parsing and running: header rules, CPU numbers, mm names (with
 * "did you mean"), addresses and ranges. It also collects what a run needs to lay out the
 * machine: the CPUs, the mms in order of first use, and every page the scenario names.
 */
public final class Checker {
  private Checker() {}

  public static final long PAGE = 4096;
  public static final long PMD_SIZE = 2L << 20;
  /** TASK_SIZE_MAX with 4-level paging. */
  public static final long TASK_SIZE = 0x7ffffffff000L;
  public static final int MAX_CPUS = 64;
  public static final int ASIDS = 6;
  /** `kernel all`: the file documents every model and runs under each. */
  public static final String ALL = "all";

  /** What a scenario asks for. {@code kernel} and {@code pcid} are null when not given. */
  public record Setup(String kernel, Integer cpus, Boolean pcid, Long ceiling, List<String> mms,
      long[] pages, Map<String, long[]> defaultRanges, boolean tso, boolean speculate) {
    public int cpuCount() {
      return cpus;
    }
  }

  public record Result(Setup setup, List<Diagnostic> diagnostics) {
    public boolean ok() {
      return diagnostics.isEmpty();
    }
  }

  public static Result check(List<Stmt> statements, Collection<String> kernelNames) {
    return check(statements, kernelNames, Checker::moveToTheTop);
  }

  /**
   * As {@link #check(List, Collection)}, with {@code lateHeaderHint} giving the hint for a header
   * line after the first statement that runs (it is given that statement): a file's fix is to
   * move the line, the REPL's is a command.
   */
  public static Result check(List<Stmt> statements, Collection<String> kernelNames,
      java.util.function.BiFunction<Header, Stmt, String> lateHeaderHint) {
    return new Run(kernelNames, lateHeaderHint).check(statements);
  }

  /** The header words, as hints list them. */
  public static final String HEADER_WORDS = "kernel, cpus, pcid, ceiling, memory, speculate";

  private static String moveToTheTop(Header late, Stmt first) {
    return "move it above line " + first.pos().line() + ": header lines (" + HEADER_WORDS
        + ") set up the machine before anything runs";
  }

  private static final class Run {
    final Collection<String> kernelNames;
    final List<Diagnostic> diagnostics = new ArrayList<>();
    final Map<HeaderKind, Header> headers = new EnumMap<>(HeaderKind.class);
    final List<String> mms = new ArrayList<>(List.of(MmRef.INIT));
    final TreeSet<Long> pages = new TreeSet<>();
    final Map<String, TreeSet<Long>> pagesByMm = new LinkedHashMap<>();
    final java.util.function.BiFunction<Header, Stmt, String> lateHeaderHint;
    int maxCpu = -1;

    Run(Collection<String> kernelNames, java.util.function.BiFunction<Header, Stmt, String> lateHeaderHint) {
      this.kernelNames = kernelNames;
      this.lateHeaderHint = lateHeaderHint;
    }

    void error(Pos pos, String message, String hint) {
      diagnostics.add(new Diagnostic(pos, message, hint));
    }

    Result check(List<Stmt> statements) {
      // the machine is laid out from the header before the first statement runs, so a header
      // line after one would change what that statement ran on: an error, and not applied
      Stmt first = null;
      for (Stmt s : statements) {
        if (s instanceof Header h) {
          header(h, first);
        } else if (first == null && !(s instanceof Ast.TraceSwitch)) {
          first = s;
        }
      }
      Integer declared = null;
      if (headers.containsKey(HeaderKind.CPUS)) {
        long n = headers.get(HeaderKind.CPUS).num().value();
        declared = n >= 1 && n <= MAX_CPUS ? (int) n : null; // out of range: reported once, in header()
      }
      for (Stmt s : statements) {
        if (s instanceof Header) {
          continue;
        }
        if (s instanceof Action a) {
          action(a, declared);
        } else if (s instanceof Ast.Together t) {
          together(t, declared);
        } else if (s instanceof Ast.Control c) {
          cpu(c.cpu(), declared);
          cpu(c.from(), declared);
          if (c.begun() != null) {
            action(c.begun(), declared);
            notKernelCode(c.begun(), "`begin`", "`" + c.cpu().toSource() + " spec VA` walks at once");
          }
          if (c.n() != null && (c.n().value() < 1 || c.n().value() > 1_000_000)) {
            error(c.n().pos(), "step count " + c.n().value() + " is out of range (1 to 1000000)", null);
          }
        } else if (s instanceof Assert a) {
          assertion(a, declared);
        } else if (s instanceof Ast.On on) {
          on.kernels().forEach(this::kernelRange);
          assertion(on.assertion(), declared);
        } else if (s instanceof Ast.Show sh) {
          cpu(sh.cpu(), declared);
          knownMm(sh.mm());
        }
      }
      int cpus = declared != null ? declared : Math.max(1, maxCpu + 1);
      Header k = headers.get(HeaderKind.KERNEL);
      Header p = headers.get(HeaderKind.PCID);
      Header c = headers.get(HeaderKind.CEILING);
      Header mem = headers.get(HeaderKind.MEMORY);
      Map<String, long[]> ranges = new LinkedHashMap<>();
      pagesByMm.forEach((mm, set) -> ranges.put(mm, new long[] {set.first(), set.last() + PAGE}));
      Setup setup = new Setup(k == null ? null : k.word(), cpus, p == null ? null : p.on(),
          c == null ? null : c.num().value(), List.copyOf(mms),
          pages.stream().mapToLong(Long::longValue).toArray(), ranges,
          mem == null || mem.word().equals("tso"),
          headers.containsKey(HeaderKind.SPECULATE) && headers.get(HeaderKind.SPECULATE).on());
      return new Result(setup, diagnostics);
    }

    /** A header line; {@code first} is the first statement that runs before it, or null. */
    void header(Header h, Stmt first) {
      Header before = headers.get(h.kind());
      if (before != null) {
        error(h.pos(), "`" + h.toSource().split(" ")[0] + "` is already set at line "
            + before.pos().line(), null);
      } else if (first != null) {
        boolean here = first.pos().source().name().equals(h.pos().source().name());
        error(h.whole(), "header line `" + h.toSource() + "` after the first " + what(first) + " ("
            + (here ? "line " + first.pos().line() : first.pos().source().name() + ":" + first.pos().line())
            + ")", lateHeaderHint.apply(h, first));
        return;
      } else {
        headers.put(h.kind(), h);
      }
      switch (h.kind()) {
        case KERNEL -> {
          if (!kernelNames.contains(h.word()) && !ALL.equals(h.word())) {
            String hint = Suggest.closest(h.word(), kernelNames).map(n -> "did you mean '" + n + "'? ")
                .orElse("") + "`tlbscript kernels` lists the models";
            error(h.pos(), "unknown kernel model '" + h.word() + "'", hint);
          }
        }
        case CPUS -> {
          long n = h.num().value();
          if (n < 1 || n > MAX_CPUS) {
            error(h.num().pos(), "cpus must be between 1 and " + MAX_CPUS + ", not " + n, null);
          }
        }
        case CEILING -> {
          if (h.num().value() > 1 << 20) {
            error(h.num().pos(), "ceiling " + h.num().value() + " is too large",
                "the kernel's default tlb_single_page_flush_ceiling is 33");
          }
        }
        default -> { }
      }
    }

    private static String what(Stmt s) {
      return s instanceof Assert || s instanceof Ast.On ? "assertion" : s instanceof Ast.Show ? "`show`" : "action";
    }

    void together(Ast.Together t, Integer declared) {
      java.util.Set<Integer> seen = new java.util.HashSet<>();
      for (Ast.Lane lane : t.lanes()) {
        if (!seen.add(lane.cpu().n())) {
          error(lane.cpu().pos(), lane.cpu().toSource() + " has two lanes in this block",
              "put its actions in one lane, separated by ';'");
        }
        for (Action a : lane.actions()) {
          if (a.verb() == Verb.TICK) {
            continue;
          }
          action(a, declared);
          notKernelCode(a, "a lane", "with `speculate on` (a header line) every CPU walks speculatively at "
              + "any step of the block; before or after it, `" + lane.cpu().toSource() + " spec VA` walks at once");
        }
      }
    }

    /** A speculative walk is the hardware's doing: it has no kernel steps to start or explore. */
    void notKernelCode(Action a, String where, String hint) {
      if (a.verb() == Verb.SPEC) {
        error(a.pos(), "`spec` cannot be " + where + "'s action: a speculative walk is the hardware's, "
            + "not kernel code with steps", hint);
      }
    }

    void kernelRange(Ast.KernelRange r) {
      List<String> order = List.copyOf(kernelNames);
      for (String name : java.util.Arrays.asList(r.from(), r.to())) {
        if (name != null && !order.contains(name)) {
          error(r.pos(), "unknown kernel model '" + name + "'",
              Suggest.closest(name, order).map(n -> "did you mean '" + n + "'? ").orElse("")
                  + "`tlbscript kernels` lists the models in order");
          return;
        }
      }
      if (r.from() != null && r.to() != null && order.indexOf(r.from()) > order.indexOf(r.to())) {
        error(r.pos(), "empty kernel range " + r.toSource() + ": " + r.from() + " comes after " + r.to(),
            "`tlbscript kernels` lists the models oldest first");
      }
    }

    void cpu(CpuRef c, Integer declared) {
      if (c == null) {
        return;
      }
      if (declared != null && c.n() >= declared) {
        error(c.pos(), written(c) + " does not exist: `cpus " + declared + "` declares "
            + (declared == 1 ? "cpu0" : "cpu0 to cpu" + (declared - 1)), null);
      } else if (declared == null && c.n() >= MAX_CPUS) {
        error(c.pos(), written(c) + " is beyond the " + MAX_CPUS + " CPUs tlbscript models", null);
      } else {
        maxCpu = Math.max(maxCpu, c.n());
      }
    }

    /** A CPU as written: cpu99999999999 has no int, cpu007 is cpu7. */
    static String written(CpuRef c) {
      String text = c.pos().text();
      return text.startsWith("cpu") ? text : c.toSource();
    }

    boolean mmName(MmRef mm) {
      if (mm.isInit() || mm.name().matches("mm[0-9]+")) {
        return true;
      }
      String hint = Suggest.closest(mm.name(), mms).map(n -> "did you mean '" + n + "'?")
          .orElse("mms are written mm1, mm2, ... (or init_mm)");
      error(mm.pos(), "'" + mm.name() + "' is not an mm", hint);
      return false;
    }

    void knownMm(MmRef mm) {
      if (mm == null || !mmName(mm) || mms.contains(mm.name())) {
        return;
      }
      List<String> known = mms.subList(1, mms.size());
      List<String> near = known.stream()
          .filter(k -> Suggest.closest(mm.name(), List.of(k)).isPresent()).toList();
      String hint = near.size() == 1 ? "did you mean '" + near.get(0) + "'?"
          : known.isEmpty() ? "no action has used an mm yet" : "known: " + String.join(", ", known);
      error(mm.pos(), "unknown mm '" + mm.name() + "': no action before this line uses it", hint);
    }

    void action(Action a, Integer declared) {
      cpu(a.cpu(), declared);
      if (a.mm() != null && mmName(a.mm())) {
        if (a.mm().isInit()) {
          error(a.mm().pos(), "init_mm cannot be used here: it has no user pages",
              a.verb() == Verb.SWITCH ? "`cpuN leave` switches a CPU to init_mm" : null);
        } else if (!mms.contains(a.mm().name())) {
          mms.add(a.mm().name());
        }
      }
      switch (a.verb()) {
        case TOUCH, SPEC, MAP, REMAP, UNMAP, PROTECT, RECLAIM, COLLAPSE -> range(a.range(), a.mm());
        case FREE_TABLES -> {
          if (range(a.range(), a.mm())) {
            long firstRegion = (a.range().start().value() + PMD_SIZE - 1) / PMD_SIZE * PMD_SIZE;
            if (firstRegion + PMD_SIZE > a.range().end().value()) {
              long base = a.range().start().value() / PMD_SIZE * PMD_SIZE;
              error(a.range().pos(), "free-tables " + a.range().toSource() + " frees no page table: "
                  + "a PTE page maps 2 MiB, and only whole ones inside the range are freed",
                  base + PMD_SIZE <= TASK_SIZE
                      ? "did you mean " + Ast.hex(base) + ".." + Ast.hex(base + PMD_SIZE) + "?"
                      : "the last 2 MiB below TASK_SIZE is never wholly unmapped");
            }
          }
        }
        case FLUSH_RANGE -> {
          if (a.range() != null) {
            range(a.range(), a.mm());
          } else if (a.mm() != null && !a.mm().isInit() && !pagesByMm.containsKey(a.mm().name())) {
            error(a.pos(), "`flush " + a.mm().name() + " range` without addresses flushes the pages the "
                + "scenario names in " + a.mm().name() + ", and it names none before this line",
                "give the range: " + (a.cpu() == null ? "" : a.cpu().toSource() + " ") + "flush "
                    + a.mm().name() + " range 0x1000..0x3000");
          }
        }
        default -> { }
      }
      if (a.pfn() != null && (a.pfn().value() < 1 || a.pfn().value() >= 1L << 40)) {
        error(a.pfn().pos(), "pfn " + a.pfn().value() + " is out of range (1 to 2^40-1)", null);
      }
    }

    /** Checks alignment and bounds; a single address joins the set of pages the scenario names. */
    boolean range(Range r, MmRef mm) {
      if (r == null) {
        return true;
      }
      boolean ok = address(r.start(), false);
      if (!r.single()) {
        ok &= address(r.end(), true);
        if (ok && r.end().value() <= r.start().value()) {
          error(r.end().pos(), "empty range " + r.toSource() + ": the end must be above the start",
              "ranges are half-open [start, end), like the kernel's start/end");
          ok = false;
        }
      }
      if (ok && r.single()) {
        pages.add(r.start().value());
        if (mm != null && !mm.isInit()) {
          pagesByMm.computeIfAbsent(mm.name(), k -> new TreeSet<>()).add(r.start().value());
        }
      }
      return ok;
    }

    /** A page address lies below TASK_SIZE; the end of a range may equal it. */
    boolean address(Num n, boolean end) {
      long v = n.value();
      if (v % PAGE != 0) {
        error(n.pos(), "address " + Ast.hex(v) + " is not page aligned",
            "did you mean " + Ast.hex(v / PAGE * PAGE) + "?");
        return false;
      }
      if (end ? v > TASK_SIZE : v >= TASK_SIZE) {
        error(n.pos(), "address " + Ast.hex(v) + " is not a user address",
            "user space ends at " + Ast.hex(TASK_SIZE) + " (TASK_SIZE_MAX)");
        return false;
      }
      return true;
    }

    void assertion(Assert a, Integer declared) {
      cpu(a.cpu(), declared);
      a.cpus().forEach(c -> cpu(c, declared));
      if (a.mm() != null) {
        knownMm(a.mm());
      }
      if (a.addr() != null && address(a.addr(), false)) {
        pages.add(a.addr().value());
      }
      if (a.check() == Ast.Check.ASID && (a.n().value() < 0 || a.n().value() >= ASIDS)) {
        error(a.n().pos(), "ASID " + a.n().value() + " does not exist: there are " + ASIDS
            + " dynamic ASIDs, 0 to " + (ASIDS - 1), null);
      }
    }
  }
}
