package org.tlbscript.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.tlbscript.engine.Explorer;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Source;
import org.tlbscript.lang.Suggest;
import org.tlbscript.report.JUnitReport;
import org.tlbscript.report.ProgressLine;
import org.tlbscript.session.ScenarioRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tlbscript run FILE|DIR...}: every scenario on a fresh model, in sorted order. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run scenario files (*.tlbs); directories are searched recursively, in sorted order.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:every scenario passed", "1:an assertion failed", "2:usage error",
        "3:a scenario is invalid", "4:internal error", "5:a together block was not fully explored"})
final class RunCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "PATH", arity = "1..*", description = "scenario files or directories")
  List<Path> paths;

  @Option(names = "--kernel", paramLabel = "NAME",
      description = "run under this kernel model instead of the file's `kernel` line; `all`: under every model")
  String kernel;

  @Option(names = "--trace", description = "print, per action, the kernel path taken and its effects")
  boolean trace;

  @Option(names = "--junit", paramLabel = "FILE", description = "also write a JUnit (Surefire schema) XML report")
  Path junit;

  @Option(names = "--fail-fast", description = "stop at the first scenario that does not pass")
  boolean failFast;

  @Option(names = "--max-states", paramLabel = "N", defaultValue = "20000000", converter = Bounds.States.class,
      description = "stop exploring a together block after N states (default ${DEFAULT-VALUE})")
  long maxStates;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600", converter = Bounds.Seconds.class,
      description = "stop exploring a together block after this long (default ${DEFAULT-VALUE})")
  long timeout;

  @Option(names = "--max-memory", paramLabel = "MB", converter = Bounds.Megabytes.class, description = "stop exploring "
      + "when the process's resident memory (heap, visited set, JVM) reaches this much (default: half the machine's memory)")
  Long maxMemory;

  @Option(names = "--workers", paramLabel = "N", converter = Bounds.Workers.class, description = "threads that explore "
      + "a large together block depth first (default: one per core)")
  Integer workers;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (kernel != null && !org.tlbscript.lang.Checker.ALL.equals(kernel) && Models.find(kernel).isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "unknown kernel model '" + kernel + "'"
          + Suggest.closest(kernel, Models.knownNames()).map(n -> " (did you mean '" + n + "'?)").orElse("")
          + "; `tlbscript kernels` lists them");
    }
    Interrupts interrupts = Interrupts.install(err);
    org.tlbscript.engine.Explorer.Limits limits = new org.tlbscript.engine.Explorer.Limits(maxStates,
        timeout * 1000, maxMemory != null ? maxMemory << 20 : org.tlbscript.engine.Explorer.Limits.DEFAULT
            .maxMemoryBytes()).watched(ProgressLine.onTerminal(err), interrupts::requested);
    if (workers != null) {
      limits = limits.withWorkers(workers);
    }
    List<Path> files = discover(spec.commandLine(), paths, ".tlbs");
    List<ScenarioRun.Result> results = new ArrayList<>();
    java.util.EnumMap<ScenarioRun.Status, Integer> counts = new java.util.EnumMap<>(ScenarioRun.Status.class);
    int exit = Main.OK;
    int run = 0;
    files:
    for (Path f : files) {
      run++;
      for (ScenarioRun.Result r : run(f, kernel, trace, limits)) {
        results.add(r);
        counts.merge(r.status(), 1, Integer::sum);
        out.print(r.output());
        out.println(r.status().word + " " + r.name());
        out.flush();
        if (r.status() == ScenarioRun.Status.PASSED) {
          continue;
        }
        for (Diagnostic d : r.diagnostics()) {
          err.print(d.render());
        }
        err.flush();
        exit = Math.max(exit, switch (r.status()) {
          case FAILED -> Main.FAILED;
          case INVALID -> Main.INVALID;
          case INCOMPLETE -> Main.INCOMPLETE;
          default -> Main.INTERNAL;
        });
        if (failFast || interrupts.requested()) {
          break files;
        }
      }
    }
    if (junit != null) {
      JUnitReport.write(junit, "scenarios", results);
    }
    out.println(summary(counts) + (interrupts.requested() ? " (interrupted: " + (files.size() - run)
        + " file" + (files.size() - run == 1 ? "" : "s") + " not run)" : ""));
    out.flush();
    return exit;
  }

  /** "N passed, M failed", then the invalid, incomplete and model-bug runs where there are any. */
  static String summary(java.util.Map<ScenarioRun.Status, Integer> counts) {
    StringBuilder sb = new StringBuilder();
    sb.append(counts.getOrDefault(ScenarioRun.Status.PASSED, 0)).append(" passed, ")
        .append(counts.getOrDefault(ScenarioRun.Status.FAILED, 0)).append(" failed");
    for (ScenarioRun.Status st : List.of(ScenarioRun.Status.INVALID, ScenarioRun.Status.INCOMPLETE,
        ScenarioRun.Status.MODEL_BUG)) {
      int n = counts.getOrDefault(st, 0);
      if (n > 0) {
        sb.append(", ").append(n).append(' ').append(st == ScenarioRun.Status.MODEL_BUG
            ? (n == 1 ? "model bug" : "model bugs") : st.name().toLowerCase());
      }
    }
    return sb.toString();
  }

  /**
   * The files named, and those under the directories named whose names end in {@code ext}, sorted.
   * A name that does not exist is a usage error (nothing has run yet). Anything else is kept for
   * reading to report, so that a pipe, a dangling link or an unreadable file named like a test,
   * and a subdirectory that cannot be listed, are that entry's error and the batch goes on.
   */
  static List<Path> discover(CommandLine cmd, List<Path> paths, String ext) throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path p : paths) {
      if (p.toString().isEmpty()) {
        // "" is the current directory to the file system: `run "$FILE"` with FILE unset ran everything below it
        throw new CommandLine.ParameterException(cmd, "an empty path (an unset variable?)");
      }
      if (Files.isDirectory(p)) {
        List<Path> found = new ArrayList<>();
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
            if (f.toString().endsWith(ext)) {
              found.add(f);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path f, IOException e) {
            found.add(f); // reading it says why (Source.read)
            return FileVisitResult.CONTINUE;
          }
        });
        if (found.isEmpty()) {
          throw new CommandLine.ParameterException(cmd, "no *" + ext + " files under " + p);
        }
        found.sort(null);
        files.addAll(found);
      } else if (Files.exists(p)) {
        files.add(p);
      } else {
        throw new CommandLine.ParameterException(cmd, "no such file or directory: " + p);
      }
    }
    return files;
  }

  /** Runs one file; one that cannot be read is one INVALID result with the diagnostic naming it. */
  static List<ScenarioRun.Result> run(Path f, String kernel, boolean trace, Explorer.Limits limits) {
    try {
      return ScenarioRun.runAll(Source.read(f), kernel, trace, limits);
    } catch (Source.Unreadable e) {
      return List.of(new ScenarioRun.Result(f.toString(), ScenarioRun.Status.INVALID, "", List.of(e.diagnostic()),
          null, 0));
    }
  }
}
