package org.tlbscript.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Models;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Source;
import org.tlbscript.session.Comparison;
import org.tlbscript.session.ScenarioRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tlbscript compare FILE}: one scenario under several models, as one table. */
@Command(name = "compare", mixinStandardHelpOptions = true,
    description = {"Run one scenario file under several kernel models (its `kernel` line is ignored) and "
        + "print one table of what matters: IPIs, CPUs woken while idle, CR3 writes, flushes, violations, "
        + "and the file's own verdict. With exactly two models, also the first statement where they diverge."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the comparison was printed (whatever the verdicts)", "2:usage error",
        "3:the file does not parse or check", "4:internal error (a model self-check failed)"})
final class CompareCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "a scenario file")
  Path file;

  @Option(names = "--kernels", split = ",", paramLabel = "NAME",
      description = "models to compare, in this order (default: every kernel, in `tlbscript kernels` order)")
  List<String> kernels;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<KernelModel> models = new ArrayList<>();
    if (kernels == null || kernels.isEmpty()) {
      models.addAll(Models.all());
    } else {
      for (String k : kernels) {
        models.add(KernelsCommand.model(spec.commandLine(), k.trim()));
      }
    }
    if (file.toString().isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "an empty path (an unset variable?)");
    }
    if (!Files.exists(file)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "no such file: " + file);
    }
    Source source;
    try {
      source = Source.read(file);
    } catch (Source.Unreadable e) {
      err.print(e.diagnostic().render());
      err.flush();
      return Main.INVALID;
    }
    Comparison.Result r = Comparison.compare(source, models);
    out.print(Comparison.render(r));
    out.flush();
    int exit = Main.OK;
    for (Comparison.Row row : r.rows()) {
      if (row.status() == ScenarioRun.Status.INVALID && row.ipis() == null) {
        exit = Math.max(exit, Main.INVALID);
      } else if (row.status() == ScenarioRun.Status.MODEL_BUG) {
        exit = Math.max(exit, Main.INTERNAL);
      }
    }
    if (exit != Main.OK) {
      // the diagnostics once: from the first model that has them
      for (Comparison.Row row : r.rows()) {
        if (!row.diagnostics().isEmpty() && (row.ipis() == null || row.status() == ScenarioRun.Status.MODEL_BUG)) {
          err.println(row.kernel() + ":");
          for (Diagnostic d : row.diagnostics()) {
            err.print(d.render());
          }
          break;
        }
      }
      err.flush();
    }
    return exit;
  }
}
