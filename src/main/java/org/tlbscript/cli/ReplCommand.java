package org.tlbscript.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Suggest;
import org.tlbscript.repl.Repl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tlbscript repl}: statements one at a time, with the state kept between them. */
@Command(name = "repl", mixinStandardHelpOptions = true,
    description = "Interactive session: type statements, Tab to complete, :help for commands, Ctrl-D to leave.")
final class ReplCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--kernel", paramLabel = "NAME", description = "kernel model (default: the file's, else v4.20)")
  String kernel;

  @Option(names = "--history", paramLabel = "PATH", description = "history file (default ~/.tlbscript_history)")
  Path history;

  @Parameters(arity = "0..1", paramLabel = "FILE", description = "a scenario to load first")
  Path file;

  @Override
  public Integer call() throws Exception {
    if (kernel != null && Models.find(kernel).isEmpty()) {
      spec.commandLine().getErr().println("tlbscript repl: unknown kernel model '" + kernel + "'"
          + Suggest.closest(kernel, Models.knownNames()).map(w -> " (did you mean '" + w + "'?)").orElse(""));
      return 2;
    }
    Path h = history != null ? history : Path.of(System.getProperty("user.home"), ".tlbscript_history");
    Repl repl = Repl.system(kernel, h);
    if (file != null) {
      repl.preload(file);
    }
    return repl.run();
  }
}
