package org.tlbscript.session;

import org.tlbscript.hw.Machine;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Ast.Action;

/**
 * Whether an action can happen in the current state, as the kernel would see it: a user access
 * needs a CPU running a task of that mm, use_mm needs a kernel thread, an exited mm is gone.
 * A problem is one line, optionally followed by a hint line.
 */
final class Preconditions {
  private Preconditions() {}

  static String check(Session s, Action a) {
    int mm = a.mm() == null ? -1 : s.mm(a.mm());
    if (mm > 0 && s.exited(mm) && a.verb() != Ast.Verb.TICK) {
      return a.mm().name() + " has exited: its page tables are gone\n"
          + "use another mm after `exit`";
    }
    if (a.cpu() == null) {
      if (a.verb() == Ast.Verb.TICK) {
        return null;
      }
      if (cpuRunning(s, mm) >= 0) {
        return null;
      }
      for (int c = 0; c < s.cpus(); c++) {
        if (!s.kthread(c) && s.currentMm(c) == mm) {
          return "every CPU that runs a task of " + a.mm().name() + " is paused in kernel code (cpu" + c
              + " at " + s.engine().where(s.machine(), c) + ")\nfinish it first: cpu" + c + " finish";
        }
      }
      return "no CPU runs a task of " + a.mm().name() + " to start the flush on\nwrite the CPU: cpu0 "
          + a.toSource();
    }
    int cpu = a.cpu().n();
    String c = "cpu" + cpu;
    if (s.engine().depth(s.machine(), cpu) > 0) { // paused by manual stepping
      return c + " is in the middle of " + s.engine().where(s.machine(), cpu) + " (paused by manual "
          + "stepping): an action cannot start there\nfinish it first: " + c + " finish";
    }
    return switch (a.verb()) {
      case TOUCH -> s.currentMm(cpu) == mm ? null : c + " does not run " + a.mm().name() + ": it "
          + describe(s, cpu) + "\na user access needs a task of the mm: write `" + c + " switch "
          + a.mm().name() + "` (or `" + c + " use " + a.mm().name() + "` for a kernel thread) first";
      case USE -> s.kthread(cpu) && s.currentMm(cpu) < 0 ? null : c + " cannot use "
          + a.mm().name() + ": it " + describe(s, cpu) + "\n" + (s.kthread(cpu)
              ? "unuse the other mm first: " + c + " unuse " + s.mmName(s.currentMm(cpu))
              : "use_mm is for kernel threads: write `" + c + " switch kernel` first");
      case UNUSE -> s.kthread(cpu) && s.currentMm(cpu) == mm ? null : c + " cannot unuse "
          + a.mm().name() + ": it " + describe(s, cpu) + "\nunuse pairs with an earlier `" + c
          + " use " + a.mm().name() + "`";
      case LEAVE -> s.kthread(cpu) && s.currentMm(cpu) < 0 ? null : c + " cannot leave_mm: it "
          + describe(s, cpu) + "\n" + (s.kthread(cpu) && s.currentMm(cpu) >= 0
              ? "leave_mm runs in the idle loop: write `" + c + " unuse " + s.mmName(s.currentMm(cpu)) + "` first"
              : "leave_mm runs in the idle loop: write `" + c + " idle` first");
      case EXIT -> exit(s, cpu, mm, a);
      case MAP -> pte(s, mm, a) == 0 ? null : a.range().toSource() + " is already mapped in "
          + a.mm().name() + " (pfn " + Machine.ptePfn(pte(s, mm, a)) + ")\nuse `remap` to change it";
      case REMAP, RECLAIM -> pte(s, mm, a) != 0 ? null : a.range().toSource() + " is not mapped in "
          + a.mm().name() + "\n`map` or `touch` it first";
      case COLLAPSE -> pmd(s, mm, a) != 0 ? null : "no PTE page maps the 2 MiB region of "
          + a.range().toSource() + " in " + a.mm().name() + "\n`touch` a page there first";
      default -> null;
    };
  }

  private static long pmd(Session s, int mm, Action a) {
    int page = s.layout().page(a.range().start().value());
    return s.machine().memory(s.layout().pmdCell(mm, s.layout().regionOf(page)));
  }

  private static String exit(Session s, int cpu, int mm, Action a) {
    if (s.kthread(cpu) || s.currentMm(cpu) != mm) {
      return "cpu" + cpu + " cannot exit " + a.mm().name() + ": it " + describe(s, cpu)
          + "\nexit_mm runs in the exiting task: write `cpu" + cpu + " switch " + a.mm().name() + "` first";
    }
    for (int o = 0; o < s.cpus(); o++) {
      if (o != cpu && s.currentMm(o) == mm) {
        return "cpu" + cpu + " cannot exit " + a.mm().name() + ": cpu" + o + " still runs "
            + (s.kthread(o) ? "a kernel thread using it" : "a task of it")
            + "\nthe last task must exit last: switch cpu" + o + " away first";
      }
    }
    return null;
  }

  private static long pte(Session s, int mm, Action a) {
    int page = s.layout().page(a.range().start().value());
    return s.machine().memory(s.layout().pteCell(mm, page));
  }

  /** What the CPU runs, in scheduler terms. */
  static String describe(Session s, int cpu) {
    long cur = s.currentMm(cpu);
    if (!s.kthread(cpu)) {
      return "runs a task of " + s.mmName(cur);
    } else if (cur >= 0) {
      return "runs a kernel thread using " + s.mmName(cur);
    }
    long loaded = s.loadedMm(cpu);
    return "runs a kernel thread" + (s.lazyMode(cpu) ? ", lazy on " + s.mmName(loaded)
        : loaded == 0 ? " on init_mm" : "");
  }

  /**
   * The lowest CPU that runs a task of {@code mm} and is not paused in kernel code (the
   * documented choice for CPU-less flushes), or -1.
   */
  static int cpuRunning(Session s, int mm) {
    for (int c = 0; c < s.cpus(); c++) {
      if (!s.kthread(c) && s.currentMm(c) == mm && s.engine().depth(s.machine(), c) == 0) {
        return c;
      }
    }
    return -1;
  }
}
