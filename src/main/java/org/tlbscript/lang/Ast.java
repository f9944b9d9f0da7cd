package org.tlbscript.lang;

import java.util.List;
import java.util.stream.Collectors;

/** The immutable scenario AST. Every node carries its position; {@code toSource} prints it back. */
public final class Ast {
  private Ast() {}

  public static final long PAGE = 4096;

  public record CpuRef(int n, Pos pos) {
    public String toSource() {
      return "cpu" + n;
    }
  }

  public record MmRef(String name, Pos pos) {
    public static final String INIT = "init_mm";

    public boolean isInit() {
      return INIT.equals(name);
    }
  }

  public record Num(long value, Pos pos) {}

  /** Half-open [start, end) like the kernel's start/end; a single address is one page. */
  public record Range(Num start, Num end, boolean single) {
    public Pos pos() {
      return start.pos();
    }

    public String toSource() {
      return single ? hex(start.value) : hex(start.value) + ".." + hex(end.value);
    }
  }

  public static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  public sealed interface Stmt permits Header, Action, Assert, On, Show, TraceSwitch, Together,
      Control {
    Pos pos();

    String toSource();
  }

  public enum HeaderKind { KERNEL, CPUS, PCID, CEILING, MEMORY, SPECULATE }

  /** A header line; {@code pos} is the part a diagnostic points at, {@code whole} the whole line. */
  public record Header(Pos pos, HeaderKind kind, String word, Num num, boolean on, Pos whole) implements Stmt {
    public String toSource() {
      return switch (kind) {
        case KERNEL -> "kernel " + word;
        case CPUS -> "cpus " + num.value();
        case PCID -> "pcid " + (on ? "on" : "off");
        case CEILING -> "ceiling " + num.value();
        case MEMORY -> "memory " + word;
        case SPECULATE -> "speculate " + (on ? "on" : "off");
      };
    }
  }

  /** The actions of the language; {@code syntax} is how each is written after its cpu. */
  public enum Verb {
    SWITCH("switch"), SWITCH_KERNEL("switch kernel"), USE("use"), UNUSE("unuse"), LEAVE("leave"),
    TOUCH("touch"), SPEC("spec"), MAP("map"), UNMAP("unmap"), PROTECT("protect"), REMAP("remap"),
    FREE_TABLES("free-tables"), FLUSH_RANGE("flush"), FLUSH_ALL("flush"), EXIT("exit"), RECLAIM("reclaim"),
    COLLAPSE("collapse"), TICK("tick");

    public final String syntax;

    Verb(String syntax) {
      this.syntax = syntax;
    }
  }

  /**
   * One action. Fields a verb does not use are null: {@code cpu} is null for {@code tick} and
   * for the CPU-less {@code flush mmX range}; {@code range} is null for a range flush that
   * names no addresses (it covers every page the scenario has mapped in the mm).
   */
  public record Action(Pos pos, Verb verb, CpuRef cpu, MmRef mm, Range range, boolean write,
      Num pfn, Num ticks) implements Stmt {
    public String toSource() {
      StringBuilder sb = new StringBuilder();
      if (cpu != null) {
        sb.append(cpu.toSource()).append(' ');
      }
      sb.append(verb.syntax);
      if (mm != null) {
        sb.append(' ').append(mm.name());
      }
      switch (verb) {
        case FLUSH_RANGE -> sb.append(" range").append(range == null ? "" : " " + range.toSource());
        case FLUSH_ALL -> sb.append(" all");
        case TICK -> sb.append(' ').append(ticks.value());
        default -> {
          if (range != null) {
            sb.append(' ').append(range.toSource());
          }
        }
      }
      if (write) {
        sb.append(" write");
      }
      if (pfn != null) {
        sb.append(" pfn ").append(pfn.value());
      }
      return sb.toString();
    }
  }

  public enum Check {
    STALE_NONE, STALE_CPU, LATENT, FREED_WALK_NONE, FREED_WALK_CPU, IPIS, CR3, FLUSHES_FULL,
    FLUSHES_PARTIAL, LAZY, NOT_LAZY, LOADED, ASID, MASK, GEN
  }

  /**
   * An assertion. After a {@code together} block it must hold in every outcome, or, with
   * {@code sometimes}, in at least one.
   */
  public record Assert(Pos pos, Check check, CpuRef cpu, MmRef mm, Num addr, Num n,
      List<CpuRef> cpus, boolean sometimes) implements Stmt {
    public Assert(Pos pos, Check check, CpuRef cpu, MmRef mm, Num addr, Num n, List<CpuRef> cpus) {
      this(pos, check, cpu, mm, addr, n, cpus, false);
    }

    public Assert withSometimes(boolean s) {
      return new Assert(pos, check, cpu, mm, addr, n, cpus, s);
    }

    /** Checks about events during a run (a stale use, a freed walk) rather than the final state. */
    public boolean aboutEvents() {
      return check == Check.STALE_NONE || check == Check.STALE_CPU || check == Check.FREED_WALK_NONE
          || check == Check.FREED_WALK_CPU;
    }

    public String toSource() {
      String c = cpu == null ? "" : cpu.toSource();
      return "assert " + (sometimes ? "sometimes " : "") + switch (check) {
        case STALE_NONE -> "stale none";
        case STALE_CPU -> "stale " + c + (addr == null ? "" : " " + hex(addr.value()));
        case LATENT -> "latent " + c + " " + hex(addr.value());
        case FREED_WALK_NONE -> "freed-walk none";
        case FREED_WALK_CPU -> "freed-walk " + c;
        case IPIS -> "ipis " + (cpu == null ? "" : c + " ") + n.value();
        case CR3 -> "cr3 " + c + " " + n.value();
        case FLUSHES_FULL -> "flushes " + c + " full " + n.value();
        case FLUSHES_PARTIAL -> "flushes " + c + " partial " + n.value();
        case LAZY -> c + " lazy";
        case NOT_LAZY -> c + " not lazy";
        case LOADED -> c + " loaded " + mm.name();
        case ASID -> c + " asid " + n.value();
        case MASK -> "mask " + mm.name() + " {"
            + cpus.stream().map(CpuRef::toSource).collect(Collectors.joining(" ")) + "}";
        case GEN -> "gen " + mm.name() + " " + n.value();
      };
    }
  }

  /** A range of kernel models in `tlbscript kernels` order; a null end is open. */
  public record KernelRange(String from, String to, boolean isRange, Pos pos) {
    public String toSource() {
      return !isRange ? from : (from == null ? "" : from) + ".." + (to == null ? "" : to);
    }
  }

  /** An assertion that applies only under the listed kernel models. */
  public record On(Pos pos, List<KernelRange> kernels, Assert assertion) implements Stmt {
    public String toSource() {
      return "on " + kernels.stream().map(KernelRange::toSource).collect(Collectors.joining(", "))
          + " " + assertion.toSource();
    }

    /** Whether {@code model} is in one of the ranges, given every model name in order. */
    public boolean covers(String model, List<String> order) {
      int at = order.indexOf(model);
      for (KernelRange r : kernels) {
        if (!r.isRange()) {
          if (r.from().equals(model)) {
            return true;
          }
        } else {
          int lo = r.from() == null ? 0 : order.indexOf(r.from());
          int hi = r.to() == null ? order.size() - 1 : order.indexOf(r.to());
          if (at >= lo && at <= hi) {
            return true;
          }
        }
      }
      return false;
    }
  }

  /** One CPU's sequence of actions inside a together block. */
  public record Lane(CpuRef cpu, List<Action> actions) {
    public String toSource() {
      return cpu.toSource() + ": " + actions.stream()
          .map(a -> a.toSource().substring(cpu.toSource().length() + 1)).collect(Collectors.joining("; "));
    }
  }

  /** {@code together { cpu0: ...; cpu1: ... }}: every interleaving of the lanes' kernel steps. */
  public record Together(Pos pos, List<Lane> lanes) implements Stmt {
    public String toSource() {
      return "together {\n" + lanes.stream().map(l -> "  " + l.toSource() + "\n")
          .collect(Collectors.joining()) + "}";
    }
  }

  public enum ControlKind { BEGIN, STEP, STEP_TO, DRAIN, TAKE_IPI, FINISH }

  /** Manual stepping: begin an action, advance it step by step, drain, take an IPI, finish. */
  public record Control(Pos pos, CpuRef cpu, ControlKind kind, Action begun, Num n, String label,
      Pos labelPos, CpuRef from) implements Stmt {
    public String toSource() {
      String c = cpu.toSource() + " ";
      return switch (kind) {
        case BEGIN -> c + "begin " + begun.toSource().substring(c.length());
        case STEP -> c + "step" + (n == null ? "" : " " + n.value());
        case STEP_TO -> c + "step to " + label;
        case DRAIN -> c + "drain";
        case TAKE_IPI -> c + "take ipi" + (from == null ? "" : " from " + from.toSource());
        case FINISH -> c + "finish";
      };
    }
  }

  public enum ShowWhat { CPU, MM, TLB, STATE }

  public record Show(Pos pos, ShowWhat what, CpuRef cpu, MmRef mm) implements Stmt {
    public String toSource() {
      return "show " + switch (what) {
        case CPU -> cpu.toSource();
        case MM -> mm.name();
        case TLB -> "tlb " + cpu.toSource();
        case STATE -> "state";
      };
    }
  }

  public record TraceSwitch(Pos pos, boolean on) implements Stmt {
    public String toSource() {
      return "trace " + (on ? "on" : "off");
    }
  }
}
