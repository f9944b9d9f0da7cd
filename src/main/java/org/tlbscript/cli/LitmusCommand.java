package org.tlbscript.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.tlbscript.engine.Explorer;
import org.tlbscript.engine.Litmus;
import org.tlbscript.engine.ModelBug;
import org.tlbscript.lang.Source;
import org.tlbscript.litmus.LitmusParser;
import org.tlbscript.report.ProgressLine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tlbscript litmus FILE|DIR...}: herd7's x86 litmus tests on tlbscript's engine. */
@Command(name = "litmus", mixinStandardHelpOptions = true,
    description = {
        "Run herd7 x86 litmus tests (*.litmus; directories are searched recursively, in sorted order) "
            + "on tlbscript's engine: every interleaving of the threads' instructions, with x86-TSO "
            + "store buffers (FIFO, with store-to-load forwarding; MFENCE and locked instructions drain "
            + "them) or without them (--memory sc).",
        "",
        "Supported: an `X86 NAME` line, a doc string and key=value lines, the initial state "
            + "`{ x=1; 0:EAX=2; }`, the program table, `locations [...]`, and an exists, ~exists or "
            + "forall condition over N:REG=v, x=v, [x]=v with /\\, \\/, ~ and parentheses. "
            + "Instructions: MOV [x],$v / MOV [x],REG / MOV REG,[x] / MOV REG,$v, MFENCE, XCHG (locked), "
            + "LOCK ADD [x],$v|REG, LOCK INC [x], LOCK CMPXCHG [x],REG (compares with EAX), LOCK XADD [x],REG; "
            + "registers EAX EBX ECX EDX ESI EDI EBP ESP. Anything else is an error with its position.",
        ""},
    footer = {"",
        "The report follows herd7's: Test, States, each final state, Ok or No, Witnesses, Condition, "
            + "Observation, Time. Unlike herd7, States and the Positive/Negative counts count distinct final "
            + "states (of the registers and locations the condition and `locations` name), not candidate "
            + "executions, and there is no Hash line. As in herd7, for ~exists Positive counts the states that "
            + "do not satisfy the condition, while Observation counts those that do, then those that do not."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:every test ran (whatever its verdict)", "2:usage error",
        "3:a test is invalid (its diagnostic is printed; the others still run)",
        "4:internal error (a model bug)", "5:an exploration hit its bound"})
final class LitmusCommand implements Callable<Integer> {
  enum Memory { tso, sc }

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "PATH", arity = "1..*", description = "litmus files or directories")
  List<Path> paths;

  @Option(names = "--memory", paramLabel = "tso|sc", defaultValue = "tso",
      description = "memory model: x86-TSO store buffers (default) or sequential consistency")
  Memory memory;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean tso = memory == Memory.tso;
    // as run's: a progress line on a terminal, and Ctrl-C ends the exploration under way
    Interrupts interrupts = Interrupts.install(err);
    Explorer.Limits limits = Explorer.Limits.DEFAULT.watched(ProgressLine.onTerminal(err), interrupts::requested);
    List<Path> files = RunCommand.discover(spec.commandLine(), paths, ".litmus");
    int ok = 0;
    int no = 0;
    int invalid = 0;
    int incomplete = 0;
    int bugs = 0;
    int seen = 0;
    int exit = Main.OK;
    for (Path f : files) {
      if (interrupts.requested()) {
        break;
      }
      seen++;
      Litmus.Test t;
      try {
        t = LitmusParser.parse(Source.read(f));
      } catch (LitmusParser.Invalid e) {
        err.print(e.diagnostic.render());
        invalid++;
        exit = Math.max(exit, Main.INVALID);
        continue;
      } catch (Source.Unreadable e) {
        err.print(e.diagnostic().render());
        invalid++;
        exit = Math.max(exit, Main.INVALID);
        continue;
      }
      Litmus.Run r;
      try {
        r = Litmus.run(t, tso, limits);
      } catch (ModelBug e) {
        err.println(f + ": internal error: " + e.getMessage());
        bugs++;
        exit = Math.max(exit, Main.INTERNAL);
        continue;
      }
      if (r.incomplete() != null) {
        err.println(f + ": incomplete: explored " + r.states() + " states (" + r.incomplete() + ")");
        incomplete++;
        exit = Math.max(exit, Main.INCOMPLETE);
        continue;
      }
      out.print(Litmus.report(t, r));
      out.println(); // herd7 ends each test's report with an empty line
      if (Litmus.ok(t, r)) {
        ok++;
      } else {
        no++;
      }
      out.flush();
    }
    int left = files.size() - seen;
    out.println((ok + no) + (ok + no == 1 ? " test" : " tests") + " under " + Litmus.model(tso) + ": " + ok
        + " Ok, " + no + " No" + (invalid > 0 ? ", " + invalid + " invalid" : "")
        + (incomplete > 0 ? ", " + incomplete + " incomplete" : "")
        + (bugs > 0 ? ", " + bugs + (bugs == 1 ? " model bug" : " model bugs") : "")
        + (left > 0 ? " (interrupted: " + left + " file" + (left == 1 ? "" : "s") + " not run)" : ""));
    out.flush();
    err.flush();
    return exit;
  }
}
