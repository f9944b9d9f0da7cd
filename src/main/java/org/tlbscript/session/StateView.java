package org.tlbscript.session;

import java.util.ArrayList;
import java.util.List;
import org.tlbscript.engine.Checkers;
import org.tlbscript.engine.Engine;
import org.tlbscript.hw.Layout;
import org.tlbscript.hw.Machine;
import org.tlbscript.kernels.Vars;
import org.tlbscript.lang.Ast;

/** {@code show}: the kernel and hardware state as aligned tables, readable at a glance. */
final class StateView {
  private final Session s;
  private final Machine m;

  StateView(Session s) {
    this.s = s;
    this.m = s.machine();
  }

  String show(Ast.Show show) {
    return switch (show.what()) {
      case CPU -> cpu(show.cpu().n());
      case MM -> mm(s.mm(show.mm()));
      case TLB -> tlb(show.cpu().n());
      case STATE -> state();
    };
  }

  String state() {
    Table t = new Table("cpu", "task", "loaded_mm", "asid", "lazy", "CR3", "IPIs", "CR3 writes",
        "full", "invlpg");
    for (int c = 0; c < s.cpus(); c++) {
      t.row("cpu" + c, task(c), s.mmName(s.loadedMm(c)), m.reg(c, Vars.LOADED_MM_ASID),
          s.lazyMode(c) ? "yes" : "no", cr3(c), m.ipisTaken(c), m.cr3Writes(c), m.fullFlushes(c),
          m.invlpgs(c));
    }
    Table mms = new Table("mm", "ctx_id", "tlb_gen", "mm_cpumask", "state");
    for (int mm = 0; mm < s.mmNames().size(); mm++) {
      mms.row(s.mmName(mm), Vars.ctxIdOf(mm), s.tlbGen(mm), Engine.cpuSet(s.cpumask(mm)),
          s.exited(mm) ? "exited" : "");
    }
    return "kernel " + s.model.name + ", pcid " + (s.pcid ? "on" : "off") + ", ceiling " + s.ceiling
        + ", jiffies " + m.global(Vars.JIFFIES) + "\n" + t + "\n" + mms;
  }

  private String task(int c) {
    long cur = s.currentMm(c);
    if (!s.kthread(c)) {
      return "user (" + s.mmName(cur) + ")";
    }
    return cur >= 0 ? "kthread using " + s.mmName(cur) : "kthread";
  }

  private String cr3(int c) {
    return s.mmName(m.cr3Root(c)) + ".pgd|pcid " + m.pcidOf(m.cr3Asid(c));
  }

  String cpu(int c) {
    StringBuilder sb = new StringBuilder();
    sb.append("cpu").append(c).append(": ").append(task(c)).append('\n');
    sb.append("  loaded_mm ").append(s.mmName(s.loadedMm(c))).append(", loaded_mm_asid ")
        .append(m.reg(c, Vars.LOADED_MM_ASID)).append(", is_lazy ").append(s.lazy(c) ? 1 : 0)
        .append(", next_asid ").append(m.reg(c, Vars.NEXT_ASID)).append('\n');
    sb.append("  CR3 ").append(cr3(c)).append("; IPIs taken ").append(m.ipisTaken(c))
        .append(", CR3 writes ").append(m.cr3Writes(c)).append(", full flushes ")
        .append(m.fullFlushes(c)).append(", INVLPGs ").append(m.invlpgs(c)).append('\n');
    Table t = new Table("asid", "pcid", "ctx_id", "mm", "tlb_gen", "entries", "");
    for (int a = 0; a < Layout.ASIDS; a++) {
      long ctx = m.reg(c, Vars.ctxId(a));
      int entries = 0;
      for (int p = 0; p < s.layout().pages(); p++) {
        entries += m.tlbEntry(c, a, p) != 0 ? 1 : 0;
      }
      t.row(a, m.pcidOf(a), ctx, ctx == 0 ? "-" : s.mmName(ctx - 1), m.reg(c, Vars.ctxGen(a)), entries,
          a == m.reg(c, Vars.LOADED_MM_ASID) ? "← loaded" : "");
    }
    return sb.append(indent(t.toString())).toString();
  }

  String mm(int mm) {
    StringBuilder sb = new StringBuilder();
    sb.append(s.mmName(mm)).append(": ctx_id ").append(Vars.ctxIdOf(mm)).append(", tlb_gen ")
        .append(s.tlbGen(mm)).append(", mm_cpumask ").append(Engine.cpuSet(s.cpumask(mm)))
        .append(s.exited(mm) ? ", exited" : "").append('\n');
    Layout l = s.layout();
    Table t = new Table("page", "pte", "PTE page");
    for (int p = 0; p < l.pages(); p++) {
      long pte = m.memory(l.pteCell(mm, p));
      long pmd = m.memory(l.pmdCell(mm, l.regionOf(p)));
      if (pte != 0 || pmd != 0) {
        t.row(hex(l.pageAddress(p)), pte == 0 ? "none" : "pfn " + Machine.ptePfn(pte)
            + (Machine.pteWritable(pte) ? " rw" : " ro"), pmd == 0 ? "none" : "#" + pmd);
      }
    }
    return sb.append(indent(t.toString())).toString();
  }

  String tlb(int c) {
    List<Checkers.Stale> stale = s.checkers().staleEntries(m);
    Table t = new Table("asid", "pcid", "va", "pfn", "mm", "rw", "");
    Layout l = s.layout();
    for (int a = 0; a < Layout.ASIDS; a++) {
      for (int p = 0; p < l.pages(); p++) {
        long e = m.tlbEntry(c, a, p);
        if (e == 0) {
          continue;
        }
        String mark = "";
        for (Checkers.Stale st : stale) {
          if (st.cpu() == c && st.asid() == a && st.va() == l.pageAddress(p)) {
            mark = (st.usable() ? "STALE (usable): " : "stale (latent): ") + st.why();
          }
        }
        t.row(a, m.pcidOf(a), hex(l.pageAddress(p)), Machine.entryPfn(e), s.mmName(Machine.entryRoot(e)),
            Machine.entryWritable(e) ? "rw" : "ro", mark);
      }
    }
    List<String> psc = new ArrayList<>();
    for (int a = 0; a < Layout.ASIDS; a++) {
      for (int g = 0; g < l.regions(); g++) {
        long table = m.pscEntry(c, a, g);
        if (table != 0) {
          psc.add("asid " + a + ": " + hex(l.regionAddress(g)) + " → table #" + table
              + (s.checkers().isFreed(m, g, table) ? " (FREED)" : ""));
        }
      }
    }
    return "cpu" + c + " TLB (CR3 " + cr3(c) + ")\n" + indent(t.toString())
        + "  paging-structure cache: " + (psc.isEmpty() ? "empty" : String.join("; ", psc)) + "\n";
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  private static String indent(String text) {
    return text.lines().map(line -> "  " + line).reduce("", (a, b) -> a + b + "\n");
  }

  /** A plain left-aligned text table. */
  static final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
      rows.add(header);
    }

    void row(Object... cells) {
      String[] r = new String[cells.length];
      for (int i = 0; i < cells.length; i++) {
        r[i] = String.valueOf(cells[i]);
      }
      rows.add(r);
    }

    @Override
    public String toString() {
      int cols = rows.get(0).length;
      int[] width = new int[cols];
      for (String[] r : rows) {
        for (int i = 0; i < cols; i++) {
          width[i] = Math.max(width[i], r[i].length());
        }
      }
      StringBuilder sb = new StringBuilder();
      for (String[] r : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cols; i++) {
          line.append(String.format("%-" + (width[i] + 2) + "s", r[i]));
        }
        sb.append(line.toString().stripTrailing()).append('\n');
      }
      return sb.toString();
    }
  }
}
