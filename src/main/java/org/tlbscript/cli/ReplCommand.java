package org.tlbscript.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tlbscript.repl.Repl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tlbscript repl}: statements one at a time, with the state kept between them. */
@Command(name = "repl", mixinStandardHelpOptions = true,
    description = "Interactive session: type statements, inspect with show, leave with Ctrl-D.")
final class ReplCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--kernel", paramLabel = "NAME", description = "kernel model (default: the file's, else v4.20)")
  String kernel;

  @Option(names = "--history", paramLabel = "PATH", description = "history file (default ~/.tlbscript_history)")
  Path history;

  @Override
  public Integer call() throws Exception {
    Path h = history != null ? history : Path.of(System.getProperty("user.home"), ".tlbscript_history");
    return Repl.system(kernel, h).run();
  }
}
