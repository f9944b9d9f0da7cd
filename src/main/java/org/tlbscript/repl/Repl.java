package org.tlbscript.repl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.jline.terminal.Terminal;
import org.tlbscript.engine.Explorer;
import org.jline.terminal.TerminalBuilder;

/**
 * The interactive loop: read a statement (continuing while a together block is open), run a
 * colon command or evaluate it in the {@link Workspace}, print the result. It does not know
 * whether it talks to a terminal or a pipe: with a pipe there is no prompt and the exit code
 * is the batch one.
 */
public final class Repl {
  /** Where lines come from: a JLine terminal or a plain stream. */
  public interface Input {
    /** The next line, "" when the user dropped it (Ctrl-C), null at the end (Ctrl-D, EOF). */
    String readLine(String prompt) throws IOException;

    default void close() throws IOException {}
  }

  static final String PROMPT = "tlbs> ";
  static final String CONTINUATION = "  ..  ";

  private final Input input;
  private final PrintWriter out;
  private final boolean interactive;
  private final Workspace ws;
  private final Commands commands;
  private Path preload;
  private int lineNo;

  public Repl(Input input, PrintWriter out, String kernel, boolean interactive) {
    this(input, out, new Workspace(kernel), interactive);
  }

  private Repl(Input input, PrintWriter out, Workspace ws, boolean interactive) {
    this.input = input;
    this.out = out;
    this.interactive = interactive;
    this.ws = ws;
    this.commands = new Commands(ws);
  }

  /**
   * The REPL with JLine line editing on {@code terminal}, history kept in {@code history}. A long
   * exploration shows a progress line; Ctrl-C stops it and the session stays as it was before
   * the statement (JLine takes Ctrl-C itself while a line is read: it drops the line).
   */
  public static Repl onTerminal(Terminal terminal, Path history, String kernel) {
    Workspace ws = new Workspace(kernel);
    Repl repl = new Repl(new TerminalInput(terminal, history, ws), terminal.writer(), ws, true);
    terminal.handle(Terminal.Signal.INT, sig -> repl.stop.set(true));
    ws.limits(org.tlbscript.engine.Explorer.Limits.DEFAULT.watched(
        new org.tlbscript.report.ProgressLine(terminal.writer()), repl.stop::get));
    return repl;
  }

  /** Set by Ctrl-C while a statement runs; cleared before each. */
  private final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();

  /** Lines from a pipe or file: no prompt, no editing. */
  public static Input plainInput(BufferedReader reader) {
    return prompt -> reader.readLine();
  }

  /** The REPL on this process: JLine on a terminal, plain lines from a pipe. */
  public static Repl system(String kernel, Path history) throws IOException {
    if (System.console() != null) {
      Terminal t = TerminalBuilder.builder().system(true).build();
      return onTerminal(t, history, kernel);
    }
    return new Repl(plainInput(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))),
        new PrintWriter(System.out, true), kernel, false);
  }

  /** Bounds for together blocks and :explore (default: {@link Explorer.Limits#DEFAULT}). */
  public Repl limits(Explorer.Limits l) {
    ws.limits(l);
    return this;
  }

  /** A scenario to run into the session before the first prompt. */
  public Repl preload(Path file) {
    this.preload = file;
    return this;
  }

  public int run() throws IOException {
    if (interactive) {
      out.println("tlbscript " + ws.kernel()
          + " — type statements (cpu1 switch mm2, flush mm1 range, assert stale none), Tab, :help, Ctrl-D to leave");
    }
    if (preload != null) {
      out.print(commands.load(preload));
      out.flush();
    }
    while (true) {
      String line = input.readLine(PROMPT);
      if (line == null) {
        break;
      }
      int first = lineNo + 1;
      lineNo += (int) line.chars().filter(ch -> ch == '\n').count() + 1;
      String trimmed = line.strip();
      if (trimmed.isEmpty()) {
        continue;
      }
      stop.set(false);
      if (trimmed.startsWith(":")) {
        Commands.Result r = commands.run(trimmed);
        out.print(r.output());
        out.flush();
        if (r.quit()) {
          break;
        }
        continue;
      }
      // a pipe gives one line at a time: an open together block continues on the next ones
      StringBuilder text = new StringBuilder(line);
      while (Workspace.incomplete(text.toString())) {
        String more = input.readLine(CONTINUATION);
        if (more == null) {
          break;
        }
        lineNo += (int) more.chars().filter(ch -> ch == '\n').count() + 1;
        text.append('\n').append(more);
      }
      out.print(ws.eval(interactive ? "<repl>" : "<stdin>", text.toString(), first));
      out.flush();
    }
    if (interactive) {
      out.println("bye");
    }
    try {
      input.close();
    } catch (IOException e) {
      out.println("tlbscript: could not save history: " + e.getMessage());
    }
    out.flush();
    return ws.exit();
  }
}
