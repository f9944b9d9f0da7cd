package org.tlbscript.repl;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Ast;
import org.tlbscript.lang.Checker;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Parser;
import org.tlbscript.lang.Source;
import org.tlbscript.session.Outcome;
import org.tlbscript.session.Session;

/**
 * The interactive loop: each line is parsed, checked together with what was accepted before,
 * and run. The machine is rebuilt by replaying the accepted statements whenever a line names a
 * new CPU, mm or page (the layout is fixed per machine), so the state is always that of the
 * whole session. It does not know whether it talks to a terminal or a pipe: with a pipe there
 * is no prompt and the exit code is the batch one.
 */
public final class Repl {
  /** Where lines come from: a JLine terminal or a plain stream. */
  public interface Input {
    /** The next line, "" when the user dropped it (Ctrl-C), null at the end (Ctrl-D, EOF). */
    String readLine(String prompt) throws IOException;

    default void close() throws IOException {}
  }

  private final Input input;
  private final PrintWriter out;
  private final boolean interactive;
  private final String kernelOverride;
  private final List<Ast.Stmt> accepted = new ArrayList<>();
  private Session session;
  private int exit;
  private int lineNo;

  public Repl(Input input, PrintWriter out, String kernel, boolean interactive) {
    this.input = input;
    this.out = out;
    this.interactive = interactive;
    this.kernelOverride = kernel;
  }

  /** A JLine line reader on {@code terminal}, with history kept in {@code history}. */
  public static Input terminalInput(Terminal terminal, Path history) {
    LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("tlbscript")
        .variable(LineReader.HISTORY_FILE, history)
        .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
        .build();
    return new Input() {
      @Override
      public String readLine(String prompt) {
        try {
          return reader.readLine(prompt);
        } catch (UserInterruptException e) {
          return "";
        } catch (EndOfFileException e) {
          return null;
        }
      }

      @Override
      public void close() throws IOException {
        reader.getHistory().save();
      }
    };
  }

  /** Lines from a pipe or file: no prompt, no editing. */
  public static Input plainInput(java.io.BufferedReader reader) {
    return prompt -> reader.readLine();
  }

  /** The REPL on this process: JLine on a terminal, plain lines from a pipe. */
  public static Repl system(String kernel, Path history) throws IOException {
    if (System.console() != null) {
      Terminal t = TerminalBuilder.builder().system(true).build();
      return new Repl(terminalInput(t, history), t.writer(), kernel, true);
    }
    return new Repl(plainInput(new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
        java.nio.charset.StandardCharsets.UTF_8))), new PrintWriter(System.out, true), kernel, false);
  }

  public int run() throws IOException {
    if (interactive) {
      out.println("tlbscript " + (kernelOverride != null ? kernelOverride : Models.DEFAULT)
          + " — type statements (cpu1 switch mm2, flush mm1 range, assert stale none), :help, Ctrl-D to leave");
    }
    while (true) {
      String line = input.readLine("tlbs> ");
      if (line == null) {
        break;
      }
      lineNo++;
      String trimmed = line.trim();
      if (trimmed.equals(":quit") || trimmed.equals(":q")) {
        break;
      } else if (trimmed.equals(":help")) {
        out.print(help());
      } else if (!trimmed.isEmpty()) {
        out.print(eval(line));
      }
      out.flush();
    }
    try {
      input.close();
    } catch (IOException e) {
      out.println("tlbscript: could not save history: " + e.getMessage());
    }
    out.flush();
    return exit;
  }

  /** Runs one line; returns what to print. The line is kept only if it ran without error. */
  public String eval(String line) {
    // padded so that positions carry the input's line number: <stdin>:8:6
    Source source = new Source(interactive ? "<repl>" : "<stdin>", "\n".repeat(Math.max(0, lineNo - 1)) + line);
    Parser.Result parsed = Parser.parse(source);
    if (!parsed.ok()) {
      return fail(parsed.diagnostics(), 3);
    }
    List<Ast.Stmt> all = new ArrayList<>(accepted);
    all.addAll(parsed.statements());
    Checker.Result checked = Checker.check(all, Models.knownNames());
    if (!checked.ok()) {
      return fail(checked.diagnostics(), 3);
    }
    String kernel = kernelOverride != null ? kernelOverride
        : checked.setup().kernel() != null ? checked.setup().kernel() : Models.DEFAULT;
    boolean rebuild = session == null || !session.model.name.equals(kernel)
        || !sameLayout(session.setup, checked.setup());
    Session target = rebuild ? new Session(Models.find(kernel).orElseThrow(), checked.setup()) : session;
    if (rebuild) {
      target.trace(session != null && session.tracing());
      boolean wasTracing = target.tracing();
      target.trace(false);
      for (Ast.Stmt s : accepted) {
        target.execute(s);
      }
      target.trace(wasTracing);
    }
    StringBuilder out = new StringBuilder();
    org.tlbscript.hw.Machine before = target.machine().copy();
    for (Ast.Stmt s : parsed.statements()) {
      Outcome o = target.execute(s);
      out.append(o.output());
      if (o.diagnostic() != null) {
        target.restore(before);
        session = target;
        return out + fail(List.of(o.diagnostic()), o.status() == Outcome.Status.ASSERTION_FAILED ? 1
            : o.status() == Outcome.Status.MODEL_BUG ? 4 : 3);
      }
    }
    accepted.addAll(parsed.statements());
    session = target;
    return out.toString();
  }

  private static boolean sameLayout(Checker.Setup a, Checker.Setup b) {
    return a.cpuCount() == b.cpuCount() && a.mms().equals(b.mms())
        && java.util.Arrays.equals(a.pages(), b.pages()) && java.util.Objects.equals(a.pcid(), b.pcid())
        && java.util.Objects.equals(a.ceiling(), b.ceiling()) && a.tso() == b.tso()
        && a.speculate() == b.speculate();
  }

  private String fail(List<Diagnostic> diagnostics, int code) {
    exit = Math.max(exit, code);
    StringBuilder sb = new StringBuilder();
    diagnostics.forEach(d -> sb.append(d.render()));
    return sb.toString();
  }

  static String help() {
    return """
        Statements are those of scenario files, one per line (or several separated by ';'):
          cpu1 switch mm2        cpu1 switch kernel     cpu1 use mm1 / unuse mm1   cpu1 leave
          cpu1 touch mm1 0x2000 [write]                 cpu1 spec 0x2000
          cpu0 map mm1 0x2000    cpu0 unmap mm1 0x2000[..0x4000]   protect, remap, free-tables
          flush mm1 range [A..B] cpu0 flush mm1 all     cpu0 exit mm1              tick 1000
          assert stale none      assert ipis cpu1 0     assert cpu1 lazy           assert mask mm1 {cpu0}
          show state             show cpu1              show mm1                   show tlb cpu1
          trace on|off
        Commands: :help, :quit (or Ctrl-D). A line with an error is not kept.
        """;
  }
}
