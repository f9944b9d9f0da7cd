package org.tlbscript.repl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tlbscript.engine.Engine;
import org.tlbscript.hw.Machine;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Parser;
import org.tlbscript.lang.Source;
import org.tlbscript.lang.Suggest;
import org.tlbscript.session.Outcome;
import org.tlbscript.session.ScenarioRun;
import org.tlbscript.session.Session;

/** The colon commands, dispatched by hand. Each returns what to print; none throws. */
final class Commands {
  /** Command names, as completed and suggested. */
  static final List<String> NAMES = List.of(":help", ":state", ":trace", ":undo", ":reset", ":kernel",
      ":save", ":load", ":explore", ":steps", ":quit");

  /** What a command did: its output, and whether the session ends. */
  record Result(String output, boolean quit) {
    static Result print(String s) {
      return new Result(s, false);
    }
  }

  private final Workspace ws;

  Commands(Workspace ws) {
    this.ws = ws;
  }

  Result run(String line) {
    String[] words = line.strip().split("\\s+");
    String name = words[0];
    List<String> args = Arrays.asList(words).subList(1, words.length);
    try {
      return switch (name) {
        case ":quit", ":q", ":exit" -> new Result("", true);
        case ":help", ":h", ":?" -> Result.print(Help.text(args.isEmpty() ? null : args.get(0)));
        case ":state" -> Result.print(ws.eval("<repl>", "show state", 1));
        case ":trace" -> Result.print(trace(args));
        case ":undo" -> Result.print(undo(args));
        case ":reset" -> Result.print(reset());
        case ":kernel" -> Result.print(args.size() == 1 ? ws.switchKernel(args.get(0))
            : ws.error("usage: :kernel NAME (now " + ws.kernel() + ")"));
        case ":save" -> Result.print(save(args));
        case ":load" -> Result.print(args.size() == 1 ? load(args.get(0)) : ws.error("usage: :load FILE"));
        case ":explore" -> Result.print(explore());
        case ":steps" -> Result.print(steps());
        default -> Result.print(ws.error("unknown command " + name + Suggest.closest(name, NAMES)
            .map(w -> " (did you mean " + w + "?)").orElse("; :help commands lists them")));
      };
    } catch (RuntimeException e) {
      // a bug of ours must not end the session
      return Result.print(ws.error("internal error in " + name + ": " + e));
    }
  }

  private String trace(List<String> args) {
    if (args.size() != 1 || !(args.get(0).equals("on") || args.get(0).equals("off"))) {
      return ws.error("usage: :trace on|off (now " + (ws.tracing() ? "on" : "off") + ")");
    }
    ws.trace(args.get(0).equals("on"));
    return "trace " + args.get(0) + "\n";
  }

  private String undo(List<String> args) {
    int n = 1;
    if (args.size() > 1 || (args.size() == 1 && !args.get(0).matches("[1-9][0-9]{0,5}"))) {
      return ws.error("usage: :undo [N] (N ≥ 1 statements)");
    } else if (args.size() == 1) {
      n = Integer.parseInt(args.get(0));
    }
    List<Ast.Stmt> dropped = ws.undo(n);
    if (dropped.isEmpty()) {
      return "nothing to undo\n";
    }
    StringBuilder sb = new StringBuilder("undid " + dropped.size() + " statement" + (dropped.size() == 1 ? "" : "s") + ":\n");
    for (Ast.Stmt s : dropped) {
      sb.append("  ").append(s.toSource().replace("\n", "\n  ")).append('\n');
    }
    return sb.toString();
  }

  private String reset() {
    ws.reset();
    return "session cleared (kernel " + ws.kernel() + ")\n";
  }

  private String save(List<String> args) {
    boolean force = args.contains("--force");
    boolean asserts = args.contains("--assert");
    List<String> files = args.stream().filter(a -> !a.equals("--force") && !a.equals("--assert")).toList();
    if (files.size() != 1 || files.get(0).startsWith("--")) {
      return ws.error("usage: :save FILE [--assert] [--force]");
    }
    Path file = path(files.get(0));
    if (file == null) {
      return ws.error("not a valid file name: " + files.get(0));
    }
    if (Files.exists(file) && !force) {
      return ws.error(file + " exists; `:save " + file + " --force` overwrites it");
    }
    String text = ws.scenario(asserts);
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return ws.error("cannot write " + file + ": " + e.getMessage());
    }
    ScenarioRun.Result r = ScenarioRun.run(new Source(file.toString(), text), null, false);
    long lines = text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
    return "saved " + lines + " lines to " + file + " (tlbscript run: " + r.status().name().toLowerCase()
        + ")\n" + (r.status() == ScenarioRun.Status.PASSED ? "" : render(r));
  }

  private static String render(ScenarioRun.Result r) {
    StringBuilder sb = new StringBuilder();
    r.diagnostics().forEach(d -> sb.append(d.render()));
    return sb.toString();
  }

  /** {@code name} as a path, or null when the file system cannot have it (a NUL in it). */
  private static Path path(String name) {
    try {
      return Path.of(name);
    } catch (java.nio.file.InvalidPathException e) {
      return null;
    }
  }

  private String load(String name) {
    Path file = path(name);
    return file == null ? ws.error("not a valid file name: " + name) : load(file);
  }

  String load(Path file) {
    Source source;
    try {
      source = Source.read(file);
    } catch (Source.Unreadable e) {
      return ws.fail(List.of(e.diagnostic()), 3);
    }
    Parser.Result parsed = Parser.parse(source);
    if (!parsed.ok()) {
      return ws.fail(parsed.diagnostics(), 3);
    }
    int before = ws.accepted().size();
    String out = ws.run(parsed.statements(), false);
    int kept = ws.accepted().size() - before;
    return out + "loaded " + file + ": " + kept + " statement" + (kept == 1 ? "" : "s") + " kept\n";
  }

  private String explore() {
    Session s = ws.session();
    if (s == null) {
      return "nothing to explore: no statement yet\n";
    }
    boolean paused = false;
    for (int c = 0; s.worldCount() == 1 && c < s.cpus(); c++) {
      Machine m = s.machine();
      paused |= s.engine().depth(m, c) > 0 || m.pendingIpis(c) != 0 || m.storeBufferCount(c) > 0;
    }
    if (!paused && s.worldCount() == 1) {
      return "nothing left to interleave: no CPU is paused mid-action (`cpuN begin ACTION` pauses one)\n";
    }
    Outcome o = s.explore();
    if (o.diagnostic() != null) {
      return o.output() + ws.fail(List.of(o.diagnostic()), Workspace.code(o.status()));
    }
    return o.output();
  }

  /** Which CPUs can step, each CPU's next step, pending IPIs and buffered stores. */
  private String steps() {
    Session s = ws.session();
    if (s == null) {
      return "no CPU runs kernel code (no statement yet)\n";
    }
    if (s.worldCount() > 1) {
      return "the together block left " + s.worldCount() + " outcomes: stepping needs one\n";
    }
    Engine e = s.engine();
    Machine m = s.machine();
    StringBuilder sb = new StringBuilder();
    List<String> can = new ArrayList<>();
    for (int c = 0; c < s.cpus(); c++) {
      String cpu = "cpu" + c;
      sb.append(String.format("  %-5s ", cpu));
      if (e.depth(m, c) == 0) {
        sb.append("no kernel code running");
      } else {
        boolean runnable = e.runnable(m, c);
        if (runnable) {
          can.add(cpu);
        }
        sb.append("next ").append(e.where(m, c)).append(runnable ? "" : " (waits for IPI handlers on other CPUs)");
      }
      long pending = m.pendingIpis(c);
      if (pending != 0) {
        List<String> from = new ArrayList<>();
        for (long p = pending; p != 0; p &= p - 1) {
          from.add("cpu" + Long.numberOfTrailingZeros(p));
        }
        sb.append("; IPI pending from ").append(String.join(" ", from))
            .append(e.irqsOn(m, c) ? " (take ipi)" : " (interrupts off)");
      }
      if (m.storeBufferCount(c) > 0) {
        sb.append("; ").append(m.storeBufferCount(c)).append(" buffered store").append(m.storeBufferCount(c) == 1 ? "" : "s")
            .append(" (drain)");
      }
      sb.append('\n');
    }
    return (can.isEmpty() ? "no CPU can step" : "can step: " + String.join(" ", can)) + "\n" + sb;
  }
}
